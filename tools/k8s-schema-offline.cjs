// Preloaded into cdk8s-cli (node --require) by tools/import-k8s.sh.
//
// `cdk8s import k8s@X.Y.Z` fetches the Kubernetes schema from a fixed
// https address. This shim answers that one request with a redirect to a
// local file, which cdk8s-cli's own downloader then reads from disk
// (util.download treats a location without a protocol as a file path).
// Every other request goes to the network untouched.
'use strict';
const https = require('https');
const path = require('path');
const fs = require('fs');
const { EventEmitter } = require('events');

const dir = process.env.K8S_SCHEMA_DIR;
const SCHEMA_URL = /\/kubernetes-schemas\/v(\d+\.\d+\.\d+)\/_definitions\.json$/;
const realGet = https.get;

https.get = function get(url, ...rest) {
  const match = typeof url === 'string' && dir ? SCHEMA_URL.exec(url) : null;
  const file = match && path.resolve(dir, `v${match[1]}`, '_definitions.json');
  if (!file || !fs.existsSync(file)) {
    return realGet.call(this, url, ...rest);
  }
  const callback = rest.find((arg) => typeof arg === 'function');
  const request = new EventEmitter();
  request.end = () => process.nextTick(() => callback({ statusCode: 302, headers: { location: file } }));
  process.stderr.write(`offline schema: ${file}\n`);
  return request;
};
