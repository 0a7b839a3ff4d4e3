package ProFTPD::Tests::Modules::mod_secftp;

# mod_secftp's regression tests in ProFTPD's own Perl harness
# (tests/t/lib/ProFTPD/TestSuite), run like every module's:
#
#   cd proftpd/tests && perl t/modules/mod_secftp.t
#
# The client is libnet's Net::FTP with IO::Socket::SSL (starttls, prot,
# stoptls); its data connections resume the control session, which the
# module's default SecureSessionReuse required asks for.
#
# Environment (all optional):
#   PROFTPD_TEST_BIN          the proftpd to run (the harness's own variable)
#   SECFTP_TEST_MODULE_PATH   a ModulePath holding mod_secftp.so, for a
#                             proftpd that loads it as a DSO (Debian's)
#   SECFTP_SRC                the mod_secftp source tree, for
#                             contrib/certs.sh (default
#                             ../contrib/mod_secftp, from tests/)

use lib qw(t/lib);
use base qw(ProFTPD::TestSuite::Child);
use strict;

use Carp;
use File::Path qw(mkpath);
use File::Spec;
use File::Temp qw(tempdir);
use IO::Handle;
use IO::Socket::SSL;
use Net::FTP;

use ProFTPD::TestSuite::Utils qw(:auth :config :running :test :testsuite);

$| = 1;

# The tests besides the one-reply tests (%REPLY_TESTS, below); every test
# runs a forked server, the harness's "forking" class.
my @TEST_NAMES = qw(
  secftp_feat_lists_rfc4217_verbs
  secftp_auth_tls_234
  secftp_pbsz_nonzero_answers_pbsz_0
  secftp_ccc_refused_by_default_534
  secftp_ccc_allowed_200
  secftp_rein_220_and_login_again
  secftp_secureftp_required_user_530
  secftp_secureftp_required_login_after_auth
  secftp_implicit_login
  secftp_implicit_data_is_private
  secftp_implicit_auth_534
  secftp_prot_p_list
  secftp_prot_p_nlst
  secftp_prot_p_retr
  secftp_prot_p_stor
  secftp_prot_p_many_transfers_tls12_reuse_required
  secftp_prot_p_many_transfers_tls13_reuse_required
  secftp_prot_c_retr
  secftp_reuse_required_full_handshake_522
  secftp_dataconn_private_dir_refuses_prot_c_521
  secftp_dataconn_private_dir_allows_prot_p
  secftp_dataconn_never_refuses_prot_p_534
  secftp_dataconn_private_server_needs_auth_530
  secftp_login_no_client_auth_without_cert
  secftp_login_optional_without_cert
  secftp_login_optional_with_cert
  secftp_login_required_without_cert_refused
  secftp_login_required_with_cert
  secftp_login_verify_user_mapped_user
  secftp_login_verify_user_other_user_530
  secftp_certmap_password_optional_232
  secftp_certmap_unmapped_cert_331
  secftp_certmap_232_then_transfer
  secftp_crl_revoked_cert_refused
  secftp_crl_good_cert_accepted
);

sub new {
  return shift()->SUPER::new(@_);
}

# Certificates
#
# contrib/certs.sh makes the CA, server and client certificates; this file
# adds a revoked client certificate and the CA's CRL, once per run.

my $pki;

sub secftp_src {
  return $ENV{SECFTP_SRC} || File::Spec->rel2abs('../contrib/mod_secftp');
}

sub run_quietly {
  my @cmd = @_;

  system(join(' ', map { "'$_'" } @cmd) . ' >/dev/null 2>&1') == 0 or
    croak("failed: @cmd");
}

sub make_crl {
  my $dir = shift;

  run_quietly('openssl', 'req', '-new', '-newkey', 'rsa:2048', '-nodes',
    '-keyout', "$dir/revoked.key", '-out', "$dir/revoked.csr", '-subj',
    '/O=mod_secftp demo/CN=revoked');
  run_quietly('openssl', 'x509', '-req', '-in', "$dir/revoked.csr", '-CA',
    "$dir/ca.crt", '-CAkey', "$dir/ca.key", '-CAcreateserial', '-out',
    "$dir/revoked.crt", '-days', '30', '-sha256');

  open(my $fh, '>', "$dir/ca.cnf") or croak("$dir/ca.cnf: $!");
  print $fh "[ca]\ndefault_ca = d\n[d]\ndatabase = $dir/index.txt\n",
    "crlnumber = $dir/crlnumber\ndefault_md = sha256\n",
    "default_crl_days = 30\n";
  close($fh);
  open($fh, '>', "$dir/index.txt") or croak("$dir/index.txt: $!");
  close($fh);
  open($fh, '>', "$dir/crlnumber") or croak("$dir/crlnumber: $!");
  print $fh "01\n";
  close($fh);

  my @ca = ('-config', "$dir/ca.cnf", '-cert', "$dir/ca.crt", '-keyfile',
    "$dir/ca.key");
  run_quietly('openssl', 'ca', @ca, '-revoke', "$dir/revoked.crt");
  run_quietly('openssl', 'ca', @ca, '-gencrl', '-out', "$dir/ca.crl");
  chmod(0600, "$dir/revoked.key");
}

sub pki_dir {
  return $pki if defined($pki);

  my $dir = tempdir('secftp-pki-XXXXXXXX', TMPDIR => 1, CLEANUP => 1);
  run_quietly(secftp_src() . '/contrib/certs.sh', $dir);
  make_crl($dir);
  chmod(0755, $dir);
  $pki = $dir;
  return $pki;
}

sub pki {
  return pki_dir() . '/' . shift;
}

# "sha256:AB:CD:..." as SecureCertMap's cert rules name a certificate.
sub fingerprint {
  my $path = shift;

  my $out = `openssl x509 -noout -fingerprint -sha256 -in '$path'`;
  $out =~ /=([0-9A-F:]+)/ or croak("no fingerprint for $path");
  return "sha256:$1";
}

# The server
#
# secftp_test($self, [config lines], sub { my ($port, $setup) = @_; ... })
# starts proftpd with mod_secftp on (the certificates above) plus the given
# lines, runs the client in this process and the server in a forked child,
# as the harness's tests do, and fails the test if either side failed.

sub module_lines {
  my $path = $ENV{SECFTP_TEST_MODULE_PATH};
  return () unless $path;
  return ("ModulePath $path", 'LoadModule mod_secftp.c');
}

sub server_config {
  my ($setup, $lines) = @_;

  return [
    module_lines(),
    "PidFile $setup->{pid_file}",
    "ScoreboardFile $setup->{scoreboard_file}",
    "SystemLog $setup->{log_file}",
    "AuthUserFile $setup->{auth_user_file}",
    "AuthGroupFile $setup->{auth_group_file}",
    'AuthOrder mod_auth_file.c',
    'SecureEngine on',
    'SecureCertificate ' . pki('server.crt') . ' ' . pki('server.key'),
    "SecureFTPLog $setup->{log_file}",
    @$lines,
  ];
}

sub secftp_test {
  my ($self, $lines, $client) = @_;

  my $setup = test_setup($self->{tmpdir}, 'secftp');
  write_home_files($setup);
  my ($port) = config_write($setup->{config_file},
    server_config($setup, $lines));

  my ($rfh, $wfh);
  pipe($rfh, $wfh) or croak("Can't open pipe: $!");

  my $ex;
  $self->handle_sigchld();
  defined(my $pid = fork()) or croak("Can't fork: $!");
  if ($pid) {
    eval { $client->($port, $setup) };
    $ex = $@ if $@;
    $wfh->print("done\n");
    $wfh->flush();

  } else {
    eval { server_wait($setup->{config_file}, $rfh) };
    if ($@) {
      warn($@);
      exit 1;
    }
    exit 0;
  }

  server_stop($setup->{pid_file});
  $self->assert_child_ok($pid);
  test_cleanup($setup->{log_file}, $ex);
}

# The files every test finds in the user's home: public.txt, and
# private/secret.txt for the SecureDataConn tests.
sub write_home_files {
  my $setup = shift;
  my $home = $setup->{home_dir};

  mkpath("$home/private");
  for my $f (["$home/public.txt", "public data\n"],
      ["$home/private/secret.txt", "secret data\n"]) {
    open(my $fh, '>', $f->[0]) or croak("$f->[0]: $!");
    print $fh $f->[1];
    close($fh);
  }

  if ($< == 0) {
    chown($setup->{uid}, $setup->{gid}, "$home/private", "$home/public.txt",
      "$home/private/secret.txt");
  }
}

# The client

# A Net::FTP connection; the server may still be starting, so connecting
# is tried a bounded number of times.
sub connect_ftp {
  my ($port, %opts) = @_;

  for (my $i = 0; $i < 40; $i++) {
    my $ftp = Net::FTP->new('127.0.0.1', Port => $port, Timeout => 10,
      SSL_ca_file => pki('ca.crt'), %opts);
    return $ftp if $ftp;
    select(undef, undef, undef, 0.25);
  }

  croak("Can't connect to 127.0.0.1:$port: $@");
}

# The client certificate options for name (client, revoked).
sub client_cert {
  my $name = shift;
  return (SSL_cert_file => pki("$name.crt"), SSL_key_file => pki("$name.key"));
}

sub expect_code {
  my ($ftp, $want, $what) = @_;
  my $got = $ftp->code();

  croak(test_msg("$what: expected $want, got $got: " . $ftp->message()))
    unless $got == $want;
}

# Sends a command and checks the reply code.
sub expect_reply {
  my ($ftp, $want, @cmd) = @_;

  $ftp->quot(@cmd);
  expect_code($ftp, $want, join(' ', @cmd));
}

# AUTH TLS is accepted, but the handshake or the first command after it
# fails: the session never works protected.
sub expect_tls_refused {
  my $ftp = shift;

  expect_reply($ftp, 234, 'AUTH', 'TLS');
  my $ok = $ftp->connect_SSL() && defined($ftp->quot('NOOP')) &&
    $ftp->code() == 200;
  croak(test_msg('the protected session worked')) if $ok;
}

sub expect_true {
  my ($ok, $what) = @_;
  croak(test_msg($what)) unless $ok;
}

# Connected, AUTH TLS done, nothing else (Net::FTP's starttls would also
# send PBSZ and PROT P).
sub tls_ftp {
  my ($port, %opts) = @_;

  my $ftp = connect_ftp($port, %opts);
  expect_reply($ftp, 234, 'AUTH', 'TLS');
  expect_true($ftp->connect_SSL(), "TLS handshake: $IO::Socket::SSL::SSL_ERROR");
  return $ftp;
}

sub login {
  my ($ftp, $setup) = @_;
  expect_true($ftp->login($setup->{user}, $setup->{passwd}),
    'login: ' . $ftp->message());
  expect_code($ftp, 230, 'PASS');
}

# Protected and logged in; PROT P with prot.
sub logged_in {
  my ($port, $setup, $prot, %opts) = @_;

  my $ftp = tls_ftp($port, %opts);
  login($ftp, $setup);
  if ($prot) {
    expect_true($ftp->prot($prot), "PROT $prot: " . $ftp->message());
  }
  return $ftp;
}

# The text of a remote file, read with RETR.
sub retr_text {
  my ($ftp, $path) = @_;
  my $text = '';

  open(my $fh, '>', \$text) or croak("in-memory file: $!");
  my $ok = $ftp->get($path, $fh);
  close($fh);
  return $ok ? $text : undef;
}

sub expect_retr {
  my ($ftp, $path, $want) = @_;
  my $got = retr_text($ftp, $path);

  croak(test_msg("RETR $path: " . $ftp->code() . ' ' . $ftp->message()))
    unless defined($got);
  croak(test_msg("RETR $path: expected '$want', got '$got'"))
    unless $got eq $want;
}

# Tests: the RFC 4217 verbs and their replies (doc/mod_secftp.html,
# "Replies").  Each one-reply test: the state to reach first (clear: just
# connected; tls: after AUTH TLS; pbsz: after AUTH TLS and PBSZ 0), the
# reply code expected, and the command.
my %REPLY_TESTS = (
  secftp_auth_ssl_234 => ['clear', 234, 'AUTH', 'SSL'],
  secftp_auth_other_mechanism_504 => ['clear', 504, 'AUTH', 'GSSAPI'],
  secftp_auth_without_argument_501 => ['clear', 501, 'AUTH'],
  secftp_auth_twice_534 => ['tls', 534, 'AUTH', 'TLS'],
  secftp_pbsz_before_auth_503 => ['clear', 503, 'PBSZ', '0'],
  secftp_prot_before_auth_503 => ['clear', 503, 'PROT', 'P'],
  secftp_prot_before_pbsz_503 => ['tls', 503, 'PROT', 'P'],
  secftp_pbsz_0_200 => ['tls', 200, 'PBSZ', '0'],
  secftp_pbsz_not_a_number_501 => ['tls', 501, 'PBSZ', 'x'],
  secftp_prot_c_200 => ['pbsz', 200, 'PROT', 'C'],
  secftp_prot_p_200 => ['pbsz', 200, 'PROT', 'P'],
  secftp_prot_s_536 => ['pbsz', 536, 'PROT', 'S'],
  secftp_prot_e_536 => ['pbsz', 536, 'PROT', 'E'],
  secftp_prot_unknown_504 => ['pbsz', 504, 'PROT', 'X'],
  secftp_ccc_unprotected_533 => ['clear', 533, 'CCC'],
);

sub reply_test {
  my ($self, $state, $want, @cmd) = @_;

  $self->secftp_test([], sub {
    my $port = shift;
    my $ftp = $state eq 'clear' ? connect_ftp($port) : tls_ftp($port);
    expect_reply($ftp, 200, 'PBSZ', '0') if $state eq 'pbsz';
    expect_reply($ftp, $want, @cmd);
  });
}

sub list_tests {
  my $order = 0;
  my $tests = { map { $_ => { order => ++$order, test_class => [qw(forking)] } }
    (sort(keys(%REPLY_TESTS)), @TEST_NAMES) };
  return testsuite_get_runnable_tests($tests);
}

for my $name (keys(%REPLY_TESTS)) {
  no strict 'refs';
  *{$name} = sub { shift()->reply_test(@{ $REPLY_TESTS{$name} }) };
}

sub secftp_feat_lists_rfc4217_verbs {
  shift()->secftp_test([], sub {
    my $ftp = connect_ftp(shift);
    $ftp->quot('FEAT');
    expect_code($ftp, 211, 'FEAT');
    my $feat = join('', $ftp->message());
    for my $verb ('AUTH TLS', 'PBSZ', 'PROT') {
      expect_true($feat =~ /\Q$verb\E/, "FEAT lacks $verb: $feat");
    }
  });
}

sub secftp_auth_tls_234 {
  shift()->secftp_test([], sub {
    my $ftp = tls_ftp(shift);
    expect_true($ftp->is_SSL(), 'no TLS after AUTH TLS');
  });
}









sub secftp_pbsz_nonzero_answers_pbsz_0 {
  shift()->secftp_test([], sub {
    my $ftp = tls_ftp(shift);
    expect_reply($ftp, 200, 'PBSZ', '1024');
    expect_true($ftp->message() =~ /PBSZ=0/,
      'PBSZ 1024 reply lacks PBSZ=0: ' . $ftp->message());
  });
}




sub secftp_ccc_refused_by_default_534 {
  shift()->secftp_test([], sub {
    my ($port, $setup) = @_;
    expect_reply(logged_in($port, $setup), 534, 'CCC');
  });
}

sub secftp_ccc_allowed_200 {
  shift()->secftp_test(['SecureCtrlConn clear'], sub {
    my ($port, $setup) = @_;
    my $ftp = logged_in($port, $setup);
    expect_true($ftp->stoptls(), 'CCC: ' . $ftp->message());
    expect_code($ftp, 200, 'CCC');
    expect_reply($ftp, 257, 'PWD');
  });
}

sub secftp_rein_220_and_login_again {
  shift()->secftp_test([], sub {
    my ($port, $setup) = @_;
    my $ftp = logged_in($port, $setup);
    expect_reply($ftp, 220, 'REIN');
    # The server ends TLS after the 220 (RFC 4217 section 13).
    $ftp->stop_SSL();
    expect_reply($ftp, 530, 'PWD');
    expect_true($ftp->login($setup->{user}, $setup->{passwd}),
      'login again: ' . $ftp->message());
    expect_reply($ftp, 257, 'PWD');
  });
}

# USER before AUTH under policy (a directive line) gets 530 naming it.
sub user_before_auth_530 {
  my ($self, $policy) = @_;
  my ($name) = split(' ', $policy);

  $self->secftp_test([$policy], sub {
    my ($port, $setup) = @_;
    my $ftp = connect_ftp($port);
    expect_reply($ftp, 530, 'USER', $setup->{user});
    expect_true($ftp->message() =~ /\Q$name\E/,
      "reply does not name $name: " . $ftp->message());
  });
}

sub secftp_secureftp_required_user_530 {
  shift()->user_before_auth_530('SecureFTP required');
}

sub secftp_secureftp_required_login_after_auth {
  shift()->secftp_test(['SecureFTP required'], sub {
    my ($port, $setup) = @_;
    logged_in($port, $setup);
  });
}

# Implicit FTPS

sub secftp_implicit_login {
  shift()->secftp_test(['SecureImplicit on'], sub {
    my ($port, $setup) = @_;
    my $ftp = connect_ftp($port, SSL => 1);
    expect_true($ftp->is_SSL(), 'implicit: no TLS');
    login($ftp, $setup);
  });
}

sub secftp_implicit_data_is_private {
  shift()->secftp_test(['SecureImplicit on'], sub {
    my ($port, $setup) = @_;
    my $ftp = connect_ftp($port, SSL => 1);
    login($ftp, $setup);
    # Implicit FTPS starts at PROT P: no PBSZ/PROT is sent, the client is
    # only told to expect TLS on data connections (Net::FTP's own flag).
    ${*$ftp}{net_ftp_tlsprot} = 'P';
    expect_retr($ftp, 'public.txt', "public data\n");
  });
}

sub secftp_implicit_auth_534 {
  shift()->secftp_test(['SecureImplicit on'], sub {
    expect_reply(connect_ftp(shift, SSL => 1), 534, 'AUTH', 'TLS');
  });
}

# Protected transfers

# A listing (dir: LIST, ls: NLST) under PROT P names public.txt.
sub listing_test {
  my ($self, $method, $verb) = @_;

  $self->secftp_test([], sub {
    my $ftp = logged_in(@_, 'P');
    my @lines = $ftp->$method();
    expect_code($ftp, 226, $verb);
    expect_true(grep(/public\.txt/, @lines), "$verb lacks public.txt: @lines");
  });
}

sub secftp_prot_p_list { shift()->listing_test('dir', 'LIST') }
sub secftp_prot_p_nlst { shift()->listing_test('ls', 'NLST') }

sub secftp_prot_p_retr {
  shift()->secftp_test([], sub {
    expect_retr(logged_in(@_, 'P'), 'public.txt', "public data\n");
  });
}

sub secftp_prot_p_stor {
  shift()->secftp_test(['AllowOverwrite on'], sub {
    my ($port, $setup) = @_;
    my $ftp = logged_in($port, $setup, 'P');
    my $data = "uploaded over TLS\n";
    open(my $fh, '<', \$data) or croak("in-memory file: $!");
    expect_true($ftp->put($fh, 'upload.txt'), 'STOR: ' . $ftp->message());
    expect_code($ftp, 226, 'STOR');
    expect_retr($ftp, 'upload.txt', $data);
  });
}

sub many_transfers {
  my $ftp = shift;

  for my $i (1 .. 5) {
    expect_retr($ftp, 'public.txt', "public data\n");
    expect_true(scalar($ftp->ls()), "NLST $i: " . $ftp->message());
  }
}

# Under SecureSessionReuse required (the default, written out here) every
# data connection resumes the control connection's session: with TLS 1.2
# its session, with TLS 1.3 a fresh single-use ticket per transfer (RFC
# 8446 appendix C.4, SPEC 6.1).
sub many_transfers_test {
  my ($self, $version) = @_;

  $self->secftp_test(['SecureSessionReuse required'], sub {
    many_transfers(logged_in(@_, 'P', SSL_version => $version));
  });
}

sub secftp_prot_p_many_transfers_tls12_reuse_required {
  shift()->many_transfers_test('TLSv1_2');
}

sub secftp_prot_p_many_transfers_tls13_reuse_required {
  shift()->many_transfers_test('TLSv1_3');
}

sub secftp_prot_c_retr {
  shift()->secftp_test([], sub {
    expect_retr(logged_in(@_, 'C'), 'public.txt', "public data\n");
  });
}

# A data connection that does not resume the control session.
sub secftp_reuse_required_full_handshake_522 {
  shift()->secftp_test([], sub {
    my ($port, $setup) = @_;
    my $ftp = logged_in($port, $setup, 'P', SSL_session_cache_size => 0,
      SSL_session_key => undef);
    # Net::FTP keeps no session to offer: the data handshake is a full one.
    ${*$ftp}{net_ftp_tlsargs}{SSL_reuse_ctx} = undef;
    my $text = retr_text($ftp, 'public.txt');
    expect_true(!defined($text) || $ftp->code() == 522,
      'RETR without resumption: ' . $ftp->code() . ' ' . $ftp->message());
    expect_code($ftp, 522, 'RETR without resumption');
  });
}

# SecureDataConn by directory

# The user's home is the test's scratch directory (test_setup).
sub private_dir {
  my $self = shift;
  my $home = File::Spec->rel2abs($self->{tmpdir});
  return ("<Directory $home/private>", 'SecureDataConn private',
    '</Directory>');
}

sub secftp_dataconn_private_dir_refuses_prot_c_521 {
  my $self = shift;
  $self->secftp_test([$self->private_dir()], sub {
    my $ftp = logged_in(@_, 'C');
    expect_true(!defined(retr_text($ftp, 'private/secret.txt')),
      'RETR of a private file with PROT C worked');
    expect_code($ftp, 521, 'RETR private/secret.txt with PROT C');
    expect_retr($ftp, 'public.txt', "public data\n");
  });
}

sub secftp_dataconn_private_dir_allows_prot_p {
  my $self = shift;
  $self->secftp_test([$self->private_dir()], sub {
    expect_retr(logged_in(@_, 'P'), 'private/secret.txt', "secret data\n");
  });
}

sub secftp_dataconn_never_refuses_prot_p_534 {
  shift()->secftp_test(['SecureDataConn never'], sub {
    my $ftp = tls_ftp(shift);
    expect_reply($ftp, 200, 'PBSZ', '0');
    expect_reply($ftp, 534, 'PROT', 'P');
    expect_reply($ftp, 200, 'PROT', 'C');
  });
}

sub secftp_dataconn_private_server_needs_auth_530 {
  shift()->user_before_auth_530('SecureDataConn private');
}

# SecureLogin levels

sub ca_lines {
  return ('SecureCACertificate ' . pki('ca.crt'), @_);
}

sub login_level {
  my ($self, $level, $cert, $want_user) = @_;

  $self->secftp_test([ca_lines("SecureLogin $level")], sub {
    my ($port, $setup) = @_;
    my $ftp = tls_ftp($port, $cert ? client_cert($cert) : ());
    expect_reply($ftp, $want_user, 'USER', $setup->{user});
    if ($want_user == 331) {
      expect_reply($ftp, 230, 'PASS', $setup->{passwd});
    }
  });
}

sub secftp_login_no_client_auth_without_cert {
  shift()->login_level('no_client_auth', undef, 331);
}

sub secftp_login_optional_without_cert {
  shift()->login_level('optional', undef, 331);
}

sub secftp_login_optional_with_cert {
  shift()->login_level('optional', 'client', 331);
}

# The handshake fails without a certificate (the client may only see it
# at its first command, TLS 1.3 sends the alert after its Finished).
sub secftp_login_required_without_cert_refused {
  shift()->secftp_test([ca_lines('SecureLogin required')], sub {
    expect_tls_refused(connect_ftp(shift));
  });
}

sub secftp_login_required_with_cert {
  shift()->login_level('required', 'client', 331);
}

# A certificate map giving the client certificate to the test user.
sub certmap_lines {
  my ($self, @more) = @_;

  my $map = "$self->{tmpdir}/certmap";
  open(my $fh, '>', $map) or croak("$map: $!");
  print $fh 'cert ' . fingerprint(pki('client.crt')) . " proftpd\n";
  close($fh);
  return ca_lines("SecureCertMap $map", @more);
}

sub secftp_login_verify_user_mapped_user {
  my $self = shift;
  $self->secftp_test([$self->certmap_lines('SecureLogin verify_user')], sub {
    my ($port, $setup) = @_;
    my $ftp = tls_ftp($port, client_cert('client'));
    login($ftp, $setup);
  });
}

sub secftp_login_verify_user_other_user_530 {
  my $self = shift;
  $self->secftp_test([$self->certmap_lines('SecureLogin verify_user')], sub {
    my $ftp = tls_ftp(shift, client_cert('client'));
    expect_reply($ftp, 530, 'USER', 'someone-else');
  });
}

# The certificate map and 232 (SecurePassword optional)

# Under SecurePassword optional with the map: USER with the certificate
# cert gets want; then more($ftp) runs.
sub certmap_user {
  my ($self, $cert, $want, $more) = @_;

  $self->secftp_test([$self->certmap_lines('SecureLogin optional',
      'SecurePassword optional')], sub {
    my ($port, $setup) = @_;
    my $ftp = tls_ftp($port, client_cert($cert));
    expect_reply($ftp, $want, 'USER', $setup->{user});
    $more->($ftp) if $more;
  });
}

sub secftp_certmap_password_optional_232 {
  shift()->certmap_user('client', 232, sub {
    expect_reply(shift, 257, 'PWD');
  });
}

# revoked.crt is not in the map (and no CRL is configured here).
sub secftp_certmap_unmapped_cert_331 {
  shift()->certmap_user('revoked', 331);
}

sub secftp_certmap_232_then_transfer {
  shift()->certmap_user('client', 232, sub {
    my $ftp = shift;
    expect_true($ftp->prot('P'), 'PROT P: ' . $ftp->message());
    expect_retr($ftp, 'public.txt', "public data\n");
  });
}

# CRL

sub crl_lines {
  return ca_lines('SecureCARevocation ' . pki('ca.crl'),
    'SecureLogin optional');
}

sub secftp_crl_revoked_cert_refused {
  shift()->secftp_test([crl_lines()], sub {
    expect_tls_refused(connect_ftp(shift, client_cert('revoked')));
  });
}

sub secftp_crl_good_cert_accepted {
  shift()->secftp_test([crl_lines()], sub {
    my ($port, $setup) = @_;
    my $ftp = tls_ftp($port, client_cert('client'));
    login($ftp, $setup);
  });
}

1;
