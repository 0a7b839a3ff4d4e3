"""The reference manual (doc/mod_secftp.html), the template
(contrib/secftp.conf) and README agree with the code: every directive of
the module's conftab is documented, every documented directive exists,
and each entry has the parts of a ProFTPD directive entry."""

import os
import re

from harness import ROOT, check, test

MANUAL = os.path.join(ROOT, "doc", "mod_secftp.html")
TEMPLATE = os.path.join(ROOT, "contrib", "secftp.conf")


def read(*path):
    with open(os.path.join(ROOT, *path), encoding="utf-8") as f:
        return f.read()


def code_directives():
    """The names in mod_secftp.c's conftab."""
    src = read("mod_secftp.c")
    m = re.search(r"conftable\s+secftp_conftab\[\]\s*=\s*\{(.*?)\{\s*NULL",
                  src, re.S)
    check(m is not None, "no secftp_conftab in mod_secftp.c")
    names = re.findall(r'\{\s*"([A-Za-z0-9]+)"\s*,', m.group(1))
    check(names, "secftp_conftab is empty")
    return set(names)


def manual_entries():
    """{directive: text of its entry} from the manual's <h3> anchors."""
    text = read("doc", "mod_secftp.html")
    parts = re.split(r'<h3><a name="([A-Za-z0-9]+)">', text)
    entries = {}
    for name, body in zip(parts[1::2], parts[2::2]):
        entries[name] = body.split("<hr>")[0]
    return entries


@test
def docs_every_code_directive_is_documented():
    missing = sorted(code_directives() - set(manual_entries()))
    check(not missing, "in mod_secftp.c's conftab but not in "
          "doc/mod_secftp.html: %s" % ", ".join(missing))


@test
def docs_every_documented_directive_is_in_code():
    extra = sorted(set(manual_entries()) - code_directives())
    check(not extra, "documented in doc/mod_secftp.html but not in the "
          "code (mod_secftp.c's conftab): %s" % ", ".join(extra))


@test
def docs_entries_are_complete():
    entries = manual_entries()
    check(len(entries) >= 16, "too few directive entries: %d" % len(entries))
    problems = []
    for name, body in entries.items():
        head = re.search(r'^%s</a></h3>' % name, body)
        if head is None:
            problems.append("%s: anchor and title differ" % name)
        for part in ("Syntax:", "Default:", "Context:", "Module:</strong> "
                     "mod_secftp", "Compatibility:"):
            if "<strong>%s" % part not in body:
                problems.append("%s: no %s" % (name, part.split("<")[0]))
        syntax = re.search(r"<strong>Syntax:</strong> (\S+)", body)
        if syntax is None or syntax.group(1) != name:
            problems.append("%s: syntax line does not start with the name"
                            % name)
        examples = re.findall(r"<pre>(.*?)</pre>", body, re.S)
        if not any(re.search(r"^\s*%s\b" % name, ex, re.M)
                   for ex in examples):
            problems.append("%s: no example that uses it" % name)
    check(not problems, "; ".join(problems))
    text = read("doc", "mod_secftp.html")
    for link in set(re.findall(r'href="#([A-Za-z0-9]+)"', text)):
        check('name="%s"' % link in text, "dangling link #%s" % link)


@test
def docs_template_covers_every_directive():
    template = read("contrib", "secftp.conf")
    lines = [re.sub(r"^#", "", ln.strip()) for ln in template.splitlines()]
    used = {ln.split()[0] for ln in lines if ln.split()}
    missing = sorted(d for d in manual_entries()
                     if d not in used and d != "SecureCipherSuite")
    check(not missing, "contrib/secftp.conf does not show: %s" %
          ", ".join(missing))
    check("<IfModule mod_secftp.c>" in template, "no IfModule block")
    active = [ln.strip() for ln in template.splitlines()
              if ln.strip() and not ln.strip().startswith("#")]
    for want in ("SecureEngine on", "SecureFTP required",
                 "SecureDataConn private", "SecureSessionReuse required",
                 "SecureProtocol TLSv1.2 TLSv1.3"):
        check(want in active, "template is not secure by default: no "
              "active %r" % want)


@test
def docs_session_notes_documented():
    """Every SECFTP_* name the code publishes is in the manual."""
    text = read("doc", "mod_secftp.html")
    names = set()
    for name in os.listdir(os.path.join(ROOT, "lib", "secftp")):
        if name.endswith(".c"):
            names |= set(re.findall(r'"(SECFTP_[A-Z_]+)"',
                                    read("lib", "secftp", name)))
    missing = sorted(n for n in names if n not in text)
    check(not missing, "notes/variables not in the manual: %s" %
          ", ".join(missing))


@test
def docs_readme_links():
    readme = read("README")
    for path in ("doc/mod_secftp.html", "contrib/secftp.conf",
                 "contrib/dist/debian", "contrib/dist/rpm",
                 "contrib/migrate-mod_tls.py", "contrib/migrate-zos.py",
                 "contrib/static-build.sh", "contrib/dist/build-deb.sh"):
        check(path in readme, "README does not mention %s" % path)
        check(os.path.exists(os.path.join(ROOT, path)),
              "README names %s, which does not exist" % path)


@test
def docs_manual_links_every_guide():
    """Each doc/*.md is linked from the manual by its name, which is where
    the packages put it (next to mod_secftp.html)."""
    text = read("doc", "mod_secftp.html")
    links = set(re.findall(r'href="([A-Za-z0-9_.-]+\.md)"', text))
    guides = {n for n in os.listdir(os.path.join(ROOT, "doc"))
              if n.endswith(".md")}
    check(guides and not guides - links, "doc/*.md not linked from the "
          "manual: %s" % ", ".join(sorted(guides - links)))
    check(not links - guides, "the manual links missing guides: %s" %
          ", ".join(sorted(links - guides)))
