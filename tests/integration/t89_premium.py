#!/usr/bin/python3
"""Premium domains at INWX (issue 11, item 10): domain.check (with wide) reports a
premium name's own prices beside the regular one; the price vrsctl shows in the plan
and compares with max_price_cents is the one INWX will charge (the premium create
price, else the TLD's list price). A premium domain over the cap is never bought,
even when the regular price is under it. Prints TAP."""

import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vrsenv  # noqa: E402
from vrsenv import Tap, World, write_specs  # noqa: E402

t = Tap()

PLATFORM = vrsenv.PLATFORM_REGISTRAR


def project(slug, domain, cap):
    return ("kind: Project\nslug: %s\nname: %s\nowner_email: o@example.org\nproject_type: gastro\n"
            "app: {image: \"ghcr.io/vrs-gmbh/vrs-core:1.4.2\"}\ndomains:\n  - subdomain: %s\n"
            "  - domain: %s\n    type: registered\n    max_price_cents: %d\n" % (slug, slug, slug, domain, cap))


def seg(out, dom):
    """The plan's lines for the registration of dom."""
    key = "domain_registration %s\n" % dom
    return "\n".join(out.split(key, 1)[1].splitlines()[:5]) if key in out else ""


def calls(w, method):
    return w.calls().get("inwx", {}).get(method, 0)


def main():
    specs = tempfile.mkdtemp(prefix="vrs-premium-")
    write_specs(specs, {"platform.yaml": PLATFORM,
                        "p/lux.yaml": project("lux", "premium-lux.de", 1000),
                        "p/gold.yaml": project("gold", "gold.de", 1000),
                        "p/rich.yaml": project("rich", "premium-rich.de", 60000),
                        "p/plain.yaml": project("plain", "plain-shop.de", 1000)})
    w = World(specs, copy_specs=False, sim_args=("--domain-polls", "1"),
              seed_extra={"inwx": {"premium_domains": {"gold.de": {"create": 89.0, "renew": 29.0,
                                                                   "transfer": 89.0}}}})
    p = w.run("plan", "--refresh")
    t.eq(p.returncode, 0, "plan --refresh exits 0")
    out = p.stdout
    lux = seg(out, "premium-lux.de")
    t.ok("500,00 € (premium)" in lux, "the plan shows the premium price INWX will charge", out[-2500:])
    t.ok("4,99 €" not in lux.split("renewal")[0], "not the regular price of the TLD", lux)
    t.ok("price above max_price_cents" in lux, "and says it is above the cap", lux)
    gold = seg(out, "gold.de")
    t.ok("89,00 € (premium)" in gold and "29,00 €/Jahr" in gold, "a seeded premium name: its own create and renewal price", gold)
    plain = seg(out, "plain-shop.de")
    t.ok("4,99 €" in plain and "premium" not in plain, "a regular name shows the list price", plain)
    t.eq(calls(w, "domain.create"), 0, "plan buys nothing")

    p = w.apply()
    t.eq(p.returncode, 1, "apply exits 1: two premium names are above their caps")
    st = w.status()
    for slug, dom, price in (("lux", "premium-lux.de", "500,00 €"), ("gold", "gold.de", "89,00 €")):
        t.eq(st[slug]["status"], "error", "%s: a premium domain over the cap is an error" % dom)
        t.ok(price in (st[slug]["error"] or "") and "premium" in (st[slug]["error"] or "")
             and "above max_price_cents" in (st[slug]["error"] or ""), "naming the premium price", st[slug]["error"])
    names = [d["domain"] for d in w.sim_state()["inwx"]["domains"]]
    t.ok("premium-lux.de" not in names and "gold.de" not in names, "and is never bought", names)
    t.ok("premium-rich.de" in names and "plain-shop.de" in names, "names under their caps are bought", names)
    cost = dict(w.db("SELECT domain, registration_cost_cents FROM marketplace_project_domain "
                     "WHERE domain IN ('premium-rich.de', 'plain-shop.de')"))
    t.eq(cost, {"premium-rich.de": 50000, "plain-shop.de": 499}, "the costs recorded are what INWX charged")
    t.eq(calls(w, "domain.create"), 2, "two domain.create calls")
    w.close()
    return t.done()


if __name__ == "__main__":
    sys.exit(main())
