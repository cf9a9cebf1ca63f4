"""Validates every line of OCSF exports with a validator nobody here wrote.

Usage: validate_ocsf.py [--also-as VERSION] FILE...

Each line must be a JSON object whose metadata.version and class_uid name
an OCSF version and class that ocsf-json-schema (PyPI) ships; the line is
validated with jsonschema (Draft 2020-12) against the class schema that
ocsf-json-schema generates for that version, every referenced object
embedded. With --also-as, each line is validated a second time as if it
declared VERSION (an older OCSF version a consumer requires). Prints a JSON
summary of what was checked; exits 1 naming the file,
line and every error when any line fails.
"""

import json
import sys

from importlib.metadata import version as installed

import jsonschema
from ocsf_json_schema import OcsfJsonSchemaEmbedded, get_ocsf_schema


def main():
    args = sys.argv[1:]
    versions = [None]
    if args[:1] == ["--also-as"]:
        versions.append(args[1])
        args = args[2:]
    validators = {}
    checked = {}
    failures = []
    for path in args:
        with open(path, encoding="utf-8") as f:
            for number, line in enumerate(f, 1):
                for declared in versions:
                    event = json.loads(line)
                    if declared:
                        event["metadata"]["version"] = declared
                    check(event, path, number, validators, checked, failures)
    print(
        json.dumps(
            {
                "validator": f"ocsf-json-schema {installed('ocsf-json-schema')}, "
                f"jsonschema {installed('jsonschema')}",
                "lines": checked,
                "failures": len(failures),
            }
        )
    )
    if failures:
        print("\n".join(failures[:50]), file=sys.stderr)
        sys.exit(1)


def check(event, path, number, validators, checked, failures):
    """Validates one event against the class schema of its version."""
    version = event["metadata"]["version"]
    class_uid = event["class_uid"]
    key = (version, class_uid)
    if key not in validators:
        schema = OcsfJsonSchemaEmbedded(get_ocsf_schema(version=version))
        name = schema.lookup_class_name_from_uid(class_uid)
        class_schema = schema.get_class_schema(name)
        jsonschema.Draft202012Validator.check_schema(class_schema)
        validators[key] = jsonschema.Draft202012Validator(class_schema)
    errors = sorted(
        validators[key].iter_errors(event), key=lambda e: list(e.absolute_path)
    )
    for error in errors:
        where = "/".join(str(p) for p in error.absolute_path)
        failures.append(f"{path}:{number}: at /{where}: {error.message}")
    label = f"{version}/{class_uid}"
    checked[label] = checked.get(label, 0) + 1


if __name__ == "__main__":
    main()
