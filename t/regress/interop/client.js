// Runs an interop plan (t/regress/interop.py) with Node's basic-ftp
// (installed by t/run-tests into build/node/).  A second control
// connection offers the previous one's TLS session (secureOptions.session).
// Stops at the first failure, exit status 1.
"use strict";
const fs = require("fs");
const ftp = require("basic-ftp");

async function main() {
    const plan = JSON.parse(fs.readFileSync(process.argv[2]));
    let session;
    for (const s of plan.sessions) {
        const client = new ftp.Client(plan.timeout * 1000);
        const secureOptions = {
            ca: fs.readFileSync(plan.ca), servername: "localhost",
        };
        if (session) secureOptions.session = session;
        try {
            await client.access({
                host: plan.host, port: plan.port,
                user: s.user, password: s.password,
                secure: plan.implicit ? "implicit" : true, secureOptions,
            });
            for (const [kind, local, remote] of s.ops) {
                if (kind === "get") await client.downloadTo(local, remote);
                else await client.uploadFrom(local, remote);
            }
            session = client.ftp.socket.getSession();
        } finally {
            client.close();
        }
    }
}

main().catch((e) => {
    console.error(String(e && e.message ? e.message : e));
    process.exit(1);
});
