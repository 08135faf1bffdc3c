#!/bin/sh
# Vendor the web app's JavaScript: install the pinned packages (package-lock.json) and copy their built
# files and licences into stancemap/web/static/vendor/. The copies are committed; nothing comes from a CDN.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out="$here/../stancemap/web/static/vendor"
cd "$here"
npm ci --no-audit --no-fund --ignore-scripts
mkdir -p "$out"
cp node_modules/htmx.org/dist/htmx.min.js "$out/htmx.min.js"
cp node_modules/htmx.org/LICENSE "$out/htmx.LICENSE"
cp node_modules/cytoscape/dist/cytoscape.min.js "$out/cytoscape.min.js"
cp node_modules/cytoscape/LICENSE "$out/cytoscape.LICENSE"
cp node_modules/uplot/dist/uPlot.iife.min.js "$out/uPlot.iife.min.js"
cp node_modules/uplot/dist/uPlot.min.css "$out/uPlot.min.css"
cp node_modules/uplot/LICENSE "$out/uPlot.LICENSE"
node -e 'const l=require("./package-lock.json").packages;for(const k of Object.keys(l)){if(k)console.log(k.replace("node_modules/","")+" "+l[k].version+" "+l[k].license)}' > "$out/VERSIONS"
echo "vendored into $out:"; cat "$out/VERSIONS"
