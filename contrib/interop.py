#!/usr/bin/env python3
"""Drives real FTPS clients through every scenario against mod_secftp and
against Debian's mod_tls, and writes the matrix as Markdown.

  make && contrib/interop.py > doc/interop.md
  contrib/interop.py curl lftp          only these clients
  SECFTP_MODULE=/path/mod_secftp.so contrib/interop.py   another build

Run as root on Debian 12 with what t/run-tests installs (proftpd-core,
proftpd-mod-crypto, the clients, build/node/ for basic-ftp).  Both servers
are Debian's /usr/sbin/proftpd on 127.0.0.1, started through the
integration-test harness; the clients and scenarios are those of
t/regress/interop.py, shared with t/regress/test_interop.py.
"""

import datetime
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "t", "regress"))

import harness  # noqa: E402
import interop  # noqa: E402

NEVER_RESUME = """\
## Clients that never resume

These clients open every protected data connection with a full TLS
handshake, so `SecureSessionReuse required` (the default) refuses their
transfers with `522`, and mod_tls under its default (session reuse
required) with `425` (except after CCC, where mod_tls stops checking):

| Client | Why | Workaround |
|---|---|---|
| Apache commons-net `FTPSClient` (stock) | `_openDataConnection_` wraps the data socket in a new `SSLSocket` without the control connection's session | `SecureSessionReuse allowed` on the vhost serving them, or a subclass that copies the control session into the data socket's session context (the well-known `_prepareDataSocket_` override) |
| Perl libnet `Net::FTP` (stock, 3.14 in Debian 12's perl) with IO::Socket::SSL | data sockets share the control socket's context (`SSL_reuse_ctx`) and session cache, but look the session up under their own `host:port`, where there is none; older libnet without `SSL_reuse_ctx` has no cache at all (row `perl-net-ftp`; after CCC it does resume, with the control connection's arguments) | give every socket the control connection's cache key, `IO::Socket::SSL::set_client_defaults(SSL_session_key => $host)` before `Net::FTP->new` (row `perl-net-ftp-key`), or `SecureSessionReuse allowed` |
| Python `ftplib.FTP_TLS` (stock) | `ntransfercmd` wraps the data socket without `session=` (row `python-ftplib-stock` above) | a subclass passing `session=self.sock.session` to `wrap_socket` (as `t/regress/harness.py` `ReusingFTP_TLS`), or `SecureSessionReuse allowed` |

`SecureSessionReuse allowed` keeps TLS on the data connection but gives up
the proof that the data connection belongs to the control connection
(doc/mod_secftp.html#SecureSessionReuse); use it on a vhost of its own.

## Client behaviour worth knowing

- Net::FTP aborts a transfer (after a refused data connection) by sending
  Telnet IP/Synch bytes with `send(..., MSG_OOB)` on the raw control
  socket, outside TLS; the server then reads garbage on the TLS
  connection and closes it ("TLS read: wrong version number" in the log),
  so the client reports "Connection closed" instead of the 522.
- curl reads `150` for a RETR before the data connection's handshake is
  judged; a refused data connection then shows as "(18) transfer closed
  with N bytes remaining", and curl opens a new control connection for
  its next URL.
- curl `--ftp-ssl-ccc` defaults to `--ftp-ssl-ccc-mode passive`: curl
  does not complete the TLS shutdown of the control connection, OpenSSL
  then marks the control session not resumable, and although `curl -v`
  prints "SSL re-using session ID", the first data connection after CCC
  offers no session (a full handshake; mod_tls accepts it because it does
  not check after CCC, later ones resume that data session). With
  `--ftp-ssl-ccc-mode active` (row `curl-ccc-active`) curl sends
  close_notify and its data connections resume the control session.
- lftp (GnuTLS) forgets the control session at CCC: its data connections
  after CCC are full handshakes.
- Net::FTP never reads from an upload's data connection: anything the
  server sends there after the handshake (a session ticket) is unread
  when the client closes the socket, so the kernel resets the
  connection.
"""


def cell_text(cell):
    if not cell.reason:
        return cell.status
    return "%s: %s" % (cell.status, cell.reason.replace("|", "\\|"))


def main():
    names = sys.argv[1:]
    clients = [c for c in interop.CLIENTS if not names or c.name in names]
    results, versions = {}, {}
    for client in clients:
        try:
            versions[client.name] = client.version()
        except Exception as e:      # noqa: BLE001 -- reported as missing
            versions[client.name] = ("missing", str(e)[:80])
    sites = [interop.Site(m) for m in interop.MODULES]
    for site in sites:
        with site:
            for client in clients:
                print("%s on %s ..." % (client.name, site.module),
                      file=sys.stderr, flush=True)
                for scenario in interop.SCENARIOS:
                    if versions[client.name][0] == "missing":
                        cell = interop.Cell("fail", "client missing")
                    else:
                        cell = interop.run_cell(client, site, scenario)
                    results[(client.name, scenario, site.module)] = cell
                    print("  %s: %r" % (scenario, cell), file=sys.stderr,
                          flush=True)

    out = []
    out.append("# Interoperability: real FTPS clients, mod_secftp and "
               "mod_tls\n")
    out.append("Made by `contrib/interop.py` on %s (UTC), Debian's "
               "`/usr/sbin/proftpd` with the module `%s` and with Debian's "
               "mod_tls (proftpd-mod-crypto), each under its default "
               "configuration (mod_secftp: `SecureSessionReuse required`; "
               "mod_tls: session reuse required on data connections).\n" % (
                   datetime.datetime.utcnow().strftime("%Y-%m-%d %H:%M"),
                   os.path.relpath(harness.MODULE, harness.ROOT)))
    out.append("A cell passes when the client exits 0 and every file it "
               "transferred has the expected SHA-256. Scenarios "
               "(t/regress/interop.py):\n")
    for s in interop.SCENARIOS:
        out.append("- **%s**: %s" % (s, interop.SCENARIO_TITLES[s]))
    out.append("\nThe TLS 1.2/1.3-only scenarios pin the version on the "
               "server (a vhost with `SecureProtocol`/`TLSProtocol`). CCC "
               "runs on a vhost with `SecureCtrlConn clear` (mod_secftp "
               "refuses CCC by default). For reconnect, mod_tls's log "
               "tells whether the 2nd control connection really resumed. "
               "mod_tls does not check session reuse on data connections "
               "after CCC: where a pass there needed a full handshake on "
               "a data connection, the cell says so, and it does not "
               "count below (mod_secftp refuses full handshakes, SPEC "
               "6.1). "
               "`t/regress/test_interop.py` fails for each client with a "
               "line in \"Where mod_tls transfers and mod_secftp does "
               "not\".\n")
    out.append("## Clients\n")
    out.append("| Client | Version | TLS library |")
    out.append("|---|---|---|")
    for c in clients:
        ver, tls = versions[c.name]
        out.append("| %s (`%s`) | %s | %s |" % (c.title, c.name, ver, tls))
    for module in interop.MODULES:
        out.append("\n## %s\n" % module)
        out.append("| Client | " + " | ".join(interop.SCENARIOS) + " |")
        out.append("|---|" + "---|" * len(interop.SCENARIOS))
        for c in clients:
            out.append("| %s | %s |" % (c.name, " | ".join(
                cell_text(results[(c.name, s, module)])
                for s in interop.SCENARIOS)))
    out.append("\n## Where mod_tls transfers and mod_secftp does not\n")
    rows = [(c.name, s, cell) for c in clients
            for s, cell in interop.regressions(
                {(s, m): results[(c.name, s, m)]
                 for s in interop.SCENARIOS for m in interop.MODULES})]
    if rows:
        for name, s, cell in rows:
            out.append("- %s, %s: %s" % (name, s, cell_text(cell)))
    else:
        out.append("None.")
    out.append("\n## Where mod_tls transfers only by accepting full "
               "handshakes\n")
    out.append("mod_secftp refuses these on purpose: a data connection that "
               "resumes nothing proves nothing about who opened it (SPEC "
               "6.1, doc/session-reuse.md); the client notes below give "
               "each client's way out.\n")
    waived = [(c.name, s) for c in clients for s in interop.SCENARIOS
              if results[(c.name, s, "mod_tls")].status == "pass" and
              results[(c.name, s, "mod_secftp")].status == "fail" and
              (c.name, s) not in {(n, sc) for n, sc, _ in rows}]
    for name, s in waived:
        out.append("- %s, %s: mod_secftp %s; mod_tls %s" % (
            name, s, cell_text(results[(name, s, "mod_secftp")]),
            cell_text(results[(name, s, "mod_tls")])))
    if not waived:
        out.append("None.")
    out.append("\n" + NEVER_RESUME)
    print("\n".join(out))
    harness.cleanup()


if __name__ == "__main__":
    main()
