#!/usr/bin/python3
"""seed_from_specs.py SPECS_DIR [OUT] — a simulator seed (the /_sim/state shape) for a spec tree.

The world an operator starts from: every Server of the specs exists in
Coolify (same uuid, name and ip), and INWX holds a zone for every base
domain and every owned domain. Nothing else. Standard library plus PyYAML
(Debian python3-yaml) only.
"""
import json
import os
import sys

import yaml


def docs(root):
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(filenames):
            if name.endswith((".yaml", ".yml")):
                with open(os.path.join(dirpath, name)) as f:
                    for d in yaml.safe_load_all(f):
                        if isinstance(d, dict):
                            yield d


def seed(root):
    servers, zones = [], set()
    for d in docs(root):
        kind = d.get("kind")
        if kind == "Server":
            servers.append({"uuid": str(d["coolify_uuid"]), "name": str(d["name"]).lower(),
                            "ip": str(d["ip_address"])})
        elif kind == "BaseDomain":
            zones.add(str(d["domain"]).lower())
        elif kind == "Project":
            for dom in d.get("domains") or []:
                if dom.get("type") == "owned":
                    zones.add(str(dom["domain"]).lower())
    return {"coolify": {"servers": servers},
            "inwx": {"zones": [{"domain": z} for z in sorted(zones)]}}


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: seed_from_specs.py SPECS_DIR [OUT]")
    data = json.dumps(seed(sys.argv[1]), indent=1, sort_keys=True)
    if len(sys.argv) > 2:
        with open(sys.argv[2], "w") as f:
            f.write(data + "\n")
    else:
        print(data)


if __name__ == "__main__":
    main()
