#!/usr/bin/env python3
"""Makes the minimal CRD schema copies in this folder from the operators' published CRD files (README.md here).

usage: extract.py CRD.yaml [CRD.yaml ...]   (writes <group>_<version>_<kind>.json next to this script)

Kept from each CRD: the openAPIV3Schema of its storage version, with `description` texts and the `status` subtree
removed (manifests never set status, and descriptions are most of the size). Nothing else is changed: the test
(ManifestValidationTest) adds strictness (no unknown fields) at load time, as kubeconform's -strict does.
"""
import json, os, sys
import yaml

def strip(node):
    if isinstance(node, dict):
        # a property may itself be called "description" (an object then): only the texts go
        return {k: strip(v) for k, v in node.items() if not (k == "description" and isinstance(v, str))}
    if isinstance(node, list):
        return [strip(v) for v in node]
    return node

here = os.path.dirname(os.path.abspath(__file__))
for path in sys.argv[1:]:
    crd = yaml.safe_load(open(path))
    spec = crd["spec"]
    version = next(v for v in spec["versions"] if v.get("storage"))
    schema = strip(version["schema"]["openAPIV3Schema"])
    schema.get("properties", {}).pop("status", None)
    out = f'{spec["group"]}_{version["name"]}_{spec["names"]["kind"]}.json'
    with open(os.path.join(here, out), "w") as f:
        json.dump(schema, f, separators=(",", ":"), sort_keys=True)
        f.write("\n")
    print(out, os.path.getsize(os.path.join(here, out)))
