#!/usr/bin/env python3
"""An independent reader for the tests: PyYAML with YAML 1.2 core scalars (as editors read
them: `yes` and `no` are text, dates are text) and the `jsonschema` package.

  yaml_tool.py tojson FILE            print FILE as JSON
  yaml_tool.py validate SCHEMA FILE.. print {"FILE": ["problem", ...], ...} as JSON
Exit 3 when a module is missing, so the tests can skip with a message.
"""
import json
import re
import sys

try:
    import yaml
    import jsonschema
except ImportError as error:  # pragma: no cover
    print(f"missing python module: {error.name}", file=sys.stderr)
    sys.exit(3)


class CoreLoader(yaml.SafeLoader):
    """SafeLoader with the YAML 1.2 core schema's implicit types instead of YAML 1.1's."""


CoreLoader.yaml_implicit_resolvers = {}
for tag, pattern, first in [
    ("tag:yaml.org,2002:bool", r"^(?:true|True|TRUE|false|False|FALSE)$", list("tTfF")),
    ("tag:yaml.org,2002:int", r"^[-+]?[0-9]+$", list("-+0123456789")),
    ("tag:yaml.org,2002:float", r"^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$", list("-+0123456789.")),
    ("tag:yaml.org,2002:null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
]:
    CoreLoader.add_implicit_resolver(tag, re.compile(pattern), first)


def core_int(loader, node):
    return int(loader.construct_scalar(node), 10)


CoreLoader.add_constructor("tag:yaml.org,2002:int", core_int)


def stringify_keys(value):
    if isinstance(value, dict):
        return {str(k): stringify_keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [stringify_keys(v) for v in value]
    return value


def load(path):
    with open(path, "rb") as handle:
        return stringify_keys(yaml.load(handle, Loader=CoreLoader))


def main(argv):
    if argv[1] == "tojson":
        print(json.dumps(load(argv[2]), indent=2, sort_keys=True, default=str))
        return 0
    if argv[1] == "validate":
        with open(argv[2]) as handle:
            schema = json.load(handle)
        jsonschema.Draft202012Validator.check_schema(schema)
        validator = jsonschema.Draft202012Validator(schema)
        report = {}
        for path in argv[3:]:
            try:
                instance = load(path)
            except Exception as error:  # a file YAML itself refuses
                report[path] = [f"yaml: {error}".splitlines()[0]]
                continue
            report[path] = sorted(
                f"{'/'.join(str(p) for p in e.absolute_path)}: {e.message}" for e in validator.iter_errors(instance))
        print(json.dumps(report, indent=2, sort_keys=True))
        return 0
    print(__doc__, file=sys.stderr)
    return 64


if __name__ == "__main__":
    sys.exit(main(sys.argv))
