# Runs an interop plan (t/regress/interop.py) with Ruby's net-ftp (the gem
# bundled with Debian's ruby).  One Net::FTP object for every session:
# it keeps the last TLS session and offers it when it connects again.
# Stops at the first failure (an exception, exit status 1).
require "json"
require "net/ftp"

plan = JSON.parse(File.read(ARGV[0]))
ftp = Net::FTP.new(nil,
                   ssl: { ca_file: plan["ca"], verify_hostname: true },
                   passive: true,
                   open_timeout: plan["timeout"],
                   read_timeout: plan["timeout"])
plan["sessions"].each do |s|
  ftp.connect(plan["host"], plan["port"])
  ftp.login(s["user"], s["password"])
  s["ops"].each do |kind, local, remote|
    if kind == "get"
      ftp.getbinaryfile(remote, local)
    else
      ftp.putbinaryfile(local, remote)
    end
  end
  ftp.close
end
