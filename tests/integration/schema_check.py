#!/usr/bin/python3
"""schema_check.py - validate vrsctl spec files against docs/vrsctl-spec.schema.json.

Usage: schema_check.py [--schema FILE] [--quiet] PATH...

Every *.yaml / *.yml under each PATH (a file or a directory, recursively,
sorted) is read document by document and each document is validated against
the JSON Schema. Errors are printed as vrsctl prints them:

    FILE:LINE:COL: error: MESSAGE

YAML is read as vrsctl reads it: duplicate keys and aliases are errors, and
only true/false (any case form of YAML 1.2's core schema) are booleans, so
'yes'/'no'/'on'/'off' stay strings.

Exit status: 0 every document is valid, 1 at least one is invalid (or is not
well-formed YAML), 2 usage error or a missing dependency (python3-yaml,
python3-jsonschema).
"""
import json
import os
import re
import sys

try:
    import yaml
    import jsonschema
except ImportError as e:  # pragma: no cover - environment problem
    sys.stderr.write("schema_check: %s (install python3-yaml python3-jsonschema)\n" % e)
    sys.exit(2)


class SpecResolver(yaml.resolver.Resolver):
    """PyYAML's resolver with YAML 1.2 core-schema booleans."""


SpecResolver.yaml_implicit_resolvers = {
    k: [(tag, rx) for (tag, rx) in v if tag != "tag:yaml.org,2002:bool"]
    for k, v in yaml.resolver.Resolver.yaml_implicit_resolvers.items()
}
SpecResolver.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)


class SpecLoader(yaml.reader.Reader, yaml.scanner.Scanner, yaml.parser.Parser,
                 yaml.composer.Composer, yaml.constructor.SafeConstructor, SpecResolver):
    def __init__(self, stream):
        yaml.reader.Reader.__init__(self, stream)
        yaml.scanner.Scanner.__init__(self)
        yaml.parser.Parser.__init__(self)
        yaml.composer.Composer.__init__(self)
        yaml.constructor.SafeConstructor.__init__(self)
        SpecResolver.__init__(self)

    def compose_node(self, parent, index):
        if self.check_event(yaml.events.AliasEvent):
            ev = self.peek_event()
            raise yaml.composer.ComposerError(None, None, "aliases are not supported",
                                              ev.start_mark)
        return super().compose_node(parent, index)

    def construct_mapping(self, node, deep=False):
        seen = {}
        for knode, _ in node.value:
            key = self.construct_object(knode, deep=True)
            if isinstance(key, (list, dict)):
                raise yaml.constructor.ConstructorError(None, None, "key is not a scalar",
                                                        knode.start_mark)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, "duplicate key '%s' (first at line %d)" % (key, seen[key] + 1),
                    knode.start_mark)
            seen[key] = knode.start_mark.line
        return super().construct_mapping(node, deep=deep)


SpecLoader.add_constructor("tag:yaml.org,2002:map", SpecLoader.construct_yaml_map)


def node_at(node, path):
    """The YAML node at a JSON-Schema error path (best effort)."""
    for step in path:
        if isinstance(node, yaml.MappingNode):
            nxt = None
            for k, v in node.value:
                if k.value == step:
                    nxt = v
                    break
            if nxt is None:
                return node
            node = nxt
        elif isinstance(node, yaml.SequenceNode) and isinstance(step, int) \
                and step < len(node.value):
            node = node.value[step]
        else:
            return node
    return node


def unknown_key_node(node, err):
    """For additionalProperties errors, point at the offending key itself."""
    if err.validator != "additionalProperties" or not isinstance(node, yaml.MappingNode):
        return node
    allowed = set(err.schema.get("properties", {}))
    for k, _ in node.value:
        if k.value not in allowed:
            return k
    return node


def leaf_errors(err):
    """Descend into oneOf/anyOf/if-then errors to the most specific causes."""
    if err.context:
        best = jsonschema.exceptions.best_match(err.context)
        return leaf_errors(best) if best is not None else [err]
    return [err]


def spec_files(paths):
    for p in paths:
        if os.path.isdir(p):
            found = []
            for root, dirs, files in os.walk(p):
                dirs[:] = [d for d in dirs if not d.startswith(".")]
                for f in files:
                    if f.endswith((".yaml", ".yml")) and not f.startswith("."):
                        found.append(os.path.join(root, f))
            for f in sorted(found):
                yield f
        else:
            yield p


def check_file(path, validator, quiet):
    """Return the number of errors in one file."""
    nerr = 0
    try:
        with open(path, "rb") as fh:
            data = fh.read().decode("utf-8")
    except (OSError, UnicodeDecodeError) as e:
        print("%s: error: %s" % (path, e), file=sys.stderr)
        return 1
    loader = SpecLoader(data)
    ndocs = 0
    try:
        while loader.check_node():
            root = loader.get_node()
            doc = loader.construct_document(root)
            ndocs += 1
            if doc is None:
                continue
            found = []
            for top in validator.iter_errors(doc):
                for e in leaf_errors(top):
                    m = unknown_key_node(node_at(root, e.absolute_path), e).start_mark
                    where = "/".join(str(s) for s in e.absolute_path) or "(document)"
                    found.append((m.line + 1, m.column + 1, "%s: %s" % (where, e.message)))
            for line, col, msg in sorted(found):
                print("%s:%d:%d: error: %s" % (path, line, col, msg), file=sys.stderr)
                nerr += 1
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        if mark is not None:
            print("%s:%d:%d: error: %s" % (path, mark.line + 1, mark.column + 1,
                                           getattr(e, "problem", None) or e), file=sys.stderr)
        else:
            print("%s: error: %s" % (path, e), file=sys.stderr)
        nerr += 1
    finally:
        loader.dispose()
    if not quiet and nerr == 0:
        print("%s: valid (%d document%s)" % (path, ndocs, "" if ndocs == 1 else "s"))
    return nerr


def main(argv):
    here = os.path.dirname(os.path.abspath(__file__))
    schema_path = os.path.join(here, "..", "..", "docs", "vrsctl-spec.schema.json")
    quiet = False
    args = []
    it = iter(argv[1:])
    for a in it:
        if a == "--schema":
            schema_path = next(it, None)
            if schema_path is None:
                break
        elif a in ("-q", "--quiet"):
            quiet = True
        elif a in ("-h", "--help"):
            print(__doc__.strip())
            return 0
        elif a.startswith("-") and a != "-":
            print("schema_check: unknown option %s" % a, file=sys.stderr)
            return 2
        else:
            args.append(a)
    if schema_path is None or not args:
        print("usage: schema_check.py [--schema FILE] [--quiet] PATH...", file=sys.stderr)
        return 2
    try:
        with open(schema_path) as fh:
            schema = json.load(fh)
        cls = jsonschema.validators.validator_for(schema)
        cls.check_schema(schema)
    except (OSError, ValueError, jsonschema.exceptions.SchemaError) as e:
        print("schema_check: %s: %s" % (schema_path, e), file=sys.stderr)
        return 2
    validator = cls(schema)
    nerr = 0
    nfiles = 0
    for f in spec_files(args):
        nfiles += 1
        nerr += check_file(f, validator, quiet)
    if nfiles == 0:
        print("schema_check: no *.yaml or *.yml files in %s" % " ".join(args), file=sys.stderr)
        return 2
    return 1 if nerr else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
