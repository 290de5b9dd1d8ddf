// Reference: cdk8s in plain node (no jsii, no python) synthesising the same objects.
// Usage: node benchmarks/scenario_node.js OBJECTS.json OUTDIR
// OBJECTS.json comes from `python benchmarks/scenario.py objects ...`.
'use strict';
const fs = require('fs');
const path = require('path');
const cdk8s = require(path.join(__dirname, '..', 'node_modules', 'cdk8s'));

const [jsonPath, outdir] = process.argv.slice(2);
const docs = JSON.parse(fs.readFileSync(jsonPath, 'utf8'));
const app = new cdk8s.App({ outdir, yamlOutputType: cdk8s.YamlOutputType.FILE_PER_RESOURCE });
const chart = new cdk8s.Chart(app, 'bench', { disableResourceNameHashes: true });
docs.forEach((doc, i) => new cdk8s.ApiObject(chart, `o${i}`, doc));
app.synth();
