#!/usr/bin/python3
"""tests/bench/gen_specs.py N DIR — write a deterministic spec tree with N
projects over 8 servers and 2 base domains (plus project types, plugins,
bundles), one file per project under DIR/projects/NN/, for the benchmark.
"""
import os
import sys


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: gen_specs.py N DIR")
    n, top = int(sys.argv[1]), sys.argv[2]
    os.makedirs(os.path.join(top, "projects"), exist_ok=True)
    nserv = 8
    with open(os.path.join(top, "base.yaml"), "w") as f:
        for i in range(nserv):
            f.write(f"kind: Server\nname: fsn1-{i:02d}\ncoolify_uuid: \"srv{i:04d}\"\n"
                    f"ip_address: 203.0.113.{10 + i}\nipv6_address: 2001:db8::{10 + i:x}\n"
                    f"max_projects: {n // nserv + 100}\n---\n")
        f.write("kind: BaseDomain\ndomain: vrs.gmbh\ndisplay_name: VRS GmbH\ndefault: true\n"
                "sort_order: 1\nwildcard_ssl: true\n---\n")
        f.write("kind: BaseDomain\ndomain: vrs-preview.de\nsort_order: 2\n---\n")
        for t in ("gastro", "retail", "handwerk"):
            f.write(f"kind: ProjectType\ncode: {t}\nname: {t.title()}\ntrial_days: 14\n---\n")
        for p in ("menu", "reservations", "shop", "blog"):
            f.write(f"kind: Plugin\nname: {p}\nprices:\n")
            for t in ("gastro", "retail", "handwerk"):
                f.write(f"  - {{project_type: {t}, billing_cycle: monthly, price_cents: 990}}\n")
            f.write("---\n")
        for t in ("gastro", "retail", "handwerk"):
            f.write(f"kind: Bundle\ncode: {t}-basic\nname: {t} basic\nproject_type: {t}\n"
                    f"plugins: [menu, blog]\ndiscount_percent: 10\n---\n")
        f.write("kind: Registrar\ncontacts: {registrant: R1, admin: A1, tech: T1, billing: B1}\n"
                "nameservers: [ns1.inwx.de, ns2.inwx.de]\n")
    types = ("gastro", "retail", "handwerk")
    for i in range(n):
        d = os.path.join(top, "projects", f"{i // 1000:02d}")
        os.makedirs(d, exist_ok=True)
        t = types[i % 3]
        slug = f"project-{i:05d}"
        with open(os.path.join(d, f"{slug}.yaml"), "w") as f:
            f.write(f"""kind: Project
slug: {slug}
name: Project {i}
owner_email: owner{i}@example.com
project_type: {t}
bundle: {t}-basic
lifecycle: active
server: {"auto" if i % 2 else f"fsn1-{i % nserv:02d}"}
payment:
  method: invoice
  confirmed: true
  billing_email: billing{i}@example.com
trial: true
app:
  image: ghcr.io/vrs-gmbh/vrs-core:1.4.2
  port: 8000
  env:
    VRS_LOCALE: de_DE
    VRS_THEME: theme-{i % 7}
    SMTP_PASSWORD: {{from_env: SMTP_PASSWORD_{i}}}
domains:
  - subdomain: {slug}
  - subdomain: {slug}
    base: vrs-preview.de
  - domain: {slug}.de
    type: owned
    primary: true
""")


if __name__ == "__main__":
    main()
