"""Validates every line of OCSF exports with a validator nobody here wrote.

Usage: validate_ocsf.py FILE...

Each line must be a JSON object whose metadata.version and class_uid name
an OCSF version and class that ocsf-json-schema (PyPI) ships; the line is
validated with jsonschema (Draft 2020-12) against the class schema that
ocsf-json-schema generates for that version, every referenced object
embedded. Prints a JSON summary of what was checked; exits 1 naming the file,
line and every error when any line fails.
"""

import json
import sys

from importlib.metadata import version as installed

import jsonschema
from ocsf_json_schema import OcsfJsonSchemaEmbedded, get_ocsf_schema


def main():
    validators = {}
    checked = {}
    failures = []
    for path in sys.argv[1:]:
        with open(path, encoding="utf-8") as f:
            for number, line in enumerate(f, 1):
                event = json.loads(line)
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


if __name__ == "__main__":
    main()
