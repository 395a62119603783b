#!/usr/bin/env python3
"""test_manpage.py SKRED MANPAGE: skred(1) against the binary's help.

* the subcommands of `skred --help` are exactly the .SS sections of
  COMMANDS;
* every flag of `skred CMD --help` is named (\\-\\-flag) in CMD's section,
  or in OPTIONS when every command's --help has it;
* every flag a section names is one CMD accepts (the completion's list,
  made from the parser's table: `skred completion bash`);
* every flag OPTIONS names is in every command's --help.
Prints ok/FAIL lines; exit 1 on any failure."""
import re
import subprocess
import sys

skred, manpage = sys.argv[1], sys.argv[2]
failed = 0


def ok(msg):
    print("ok - " + msg)


def fail(msg):
    global failed
    failed += 1
    print("FAIL - " + msg)


def run(*args):
    return subprocess.run([skred, *args], capture_output=True, text=True).stdout


FLAG = re.compile(r"(?<![\w-])(--[a-z][a-z-]*|-[a-z])(?![\w-])")


def help_flags(text):
    return set(FLAG.findall(text))


# The commands of `skred --help`: "  name  summary" lines after "commands:".
main_help = run("--help")
cmds = []
body = main_help.split("commands:", 1)[1].split("\n\n", 1)[0]
for line in body.splitlines():
    m = re.match(r"  (\S+)", line)
    if m:
        cmds.append(m.group(1))

# The man page: sections (.SH) and subsections (.SS) with their text, the
# roff escapes of the flags undone (\-\- -> --).
text = open(manpage, encoding="utf-8").read()
sections, subs = {}, {}
sh = ss = None
for line in text.splitlines():
    if line.startswith('.\\"'):
        continue
    if line.startswith(".SH "):
        sh, ss = line[4:].strip().strip('"'), None
        sections[sh] = ""
        continue
    if line.startswith(".SS ") and sh == "COMMANDS":
        ss = line[4:].split()[0].strip('"')
        subs[ss] = ""
        continue
    plain = line.replace("\\-", "-")
    plain = re.sub(r"\\f[BIRP]", "", plain)
    if ss is not None:
        subs[ss] += plain + "\n"
    elif sh is not None:
        sections[sh] += plain + "\n"

missing = [c for c in cmds if c not in subs]
extra = [c for c in subs if c not in cmds]
if not missing:
    ok("every subcommand of skred --help has a section (%d)" % len(cmds))
else:
    fail("subcommands without a section in skred(1): " + " ".join(missing))
if not extra:
    ok("every section is a subcommand of skred --help")
else:
    fail("sections for no subcommand of skred --help: " + " ".join(extra))

# Accepted flags per command, from the parser's table (the completion).
comp = run("completion", "bash")
accepted = {}
for m in re.finditer(r"^\t\t(\S+)\) opts='([^']*)'", comp, re.M):
    accepted[m.group(1)] = set(m.group(2).split())

helps = {c: help_flags(run(c, "--help")) for c in cmds
         if c not in ("version", "completion")}
common = set.intersection(*helps.values()) if helps else set()
opts_named = help_flags(sections.get("OPTIONS", ""))
for c, flags in sorted(helps.items()):
    named = help_flags(subs.get(c, ""))
    undocumented = sorted(f for f in flags
                          if f not in named and not (f in common and f in opts_named))
    if undocumented:
        fail("skred %s --help has %s, skred(1) does not" % (c, " ".join(undocumented)))
    else:
        ok("skred %s: every flag of --help is in skred(1) (%d)" % (c, len(flags)))
    stale = sorted(f for f in named if f not in accepted.get(c, set()))
    if stale:
        fail("skred(1) names %s for %s, which it does not accept" % (" ".join(stale), c))
    else:
        ok("skred %s: every flag skred(1) names is accepted" % c)
stale = sorted(f for f in opts_named if f not in common)
if stale:
    fail("OPTIONS names %s, not in every command's --help" % " ".join(stale))
else:
    ok("OPTIONS names only flags every command has (%d)" % len(opts_named))
print("%s" % ("man page agrees with --help" if not failed else "%d failed" % failed))
sys.exit(1 if failed else 0)
