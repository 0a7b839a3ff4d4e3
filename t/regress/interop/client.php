<?php
// Runs an interop plan (t/regress/interop.py) with PHP's ext/ftp:
// ftp_ssl_connect (AUTH TLS), passive mode, binary transfers.  Stops at
// the first failure, exit status 1.
$plan = json_decode(file_get_contents($argv[1]), true);

function fail($what) {
    $err = error_get_last();
    fwrite(STDERR, $what . ": " . ($err ? $err["message"] : "failed") . "\n");
    exit(1);
}

foreach ($plan["sessions"] as $s) {
    $c = ftp_ssl_connect($plan["host"], $plan["port"], $plan["timeout"]);
    if (!$c) fail("connect");
    if (!ftp_login($c, $s["user"], $s["password"])) fail("login");
    if (!ftp_pasv($c, true)) fail("PASV");
    foreach ($s["ops"] as $op) {
        [$kind, $local, $remote] = $op;
        $ok = $kind == "get" ? ftp_get($c, $local, $remote, FTP_BINARY)
                             : ftp_put($c, $remote, $local, FTP_BINARY);
        if (!$ok) fail("$kind $remote");
    }
    ftp_close($c);
}
