#!/usr/bin/python3
"""tests/bench/cyaml_load.py DIR — load every *.yaml/*.yml under DIR with
PyYAML's CSafeLoader (libyaml-backed), all documents, as a reference point
for the spec loader's cost. Prints files and documents loaded."""
import os
import sys

import yaml


def main():
    files = docs = 0
    for root, _dirs, names in os.walk(sys.argv[1]):
        for n in sorted(names):
            if n.endswith((".yaml", ".yml")):
                with open(os.path.join(root, n), "rb") as f:
                    docs += sum(1 for _ in yaml.load_all(f, Loader=yaml.CSafeLoader))
                files += 1
    print(f"{files} files, {docs} documents")


if __name__ == "__main__":
    main()
