"""The file to hand ``spark-submit``: the ``stancemap`` command with absolute imports (a package's
``__main__.py`` cannot run as a script). ``spark-submit [options] "$(python -m stancemap.engines.spark_submit
--path)" extract --engine spark --input ... --output ...``; README "On a cluster" says how to ship the package."""

import sys

if __name__ == "__main__":
    if sys.argv[1:] == ["--path"]:
        print(__file__)
        raise SystemExit(0)
    from stancemap.cli import main

    raise SystemExit(main())
