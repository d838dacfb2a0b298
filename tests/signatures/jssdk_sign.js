// Sign with the browser SDK cos-js-sdk-v5 under Node, for tests/signatures/test_js_sdk.py.
// argv[2]: a JSON list of calls; prints one line "RESULT <json list>" (the SDK prints notices
// of its own). Each call is
//   {"auth": {...}}                        -> COS.getAuthorization({...}) (the static signer)
//   {"url": {...}, "cos": {...}}           -> new COS({...}).getObjectUrl({...}), Sign: true
//   {"url": {...}, "sts": {...}}           -> the same, with getAuthorization handing the SDK
//                                             temporary credentials {TmpSecretId, ...}
"use strict";
const COS = require("cos-js-sdk-v5");

function objectUrl(cos, params) {
  return new Promise((resolve, reject) => {
    cos.getObjectUrl(Object.assign({ Sign: true }, params), (err, data) =>
      err ? reject(err) : resolve(data.Url)
    );
  });
}

async function run(call) {
  if (call.auth) return COS.getAuthorization(call.auth);
  if (call.sts) {
    const sts = call.sts;
    const now = Math.floor(Date.now() / 1000);
    const cos = new COS({
      getAuthorization: (_options, callback) =>
        callback({
          TmpSecretId: sts.TmpSecretId,
          TmpSecretKey: sts.TmpSecretKey,
          SecurityToken: sts.SecurityToken,
          StartTime: now - 1,
          ExpiredTime: now + 900,
        }),
    });
    return objectUrl(cos, call.url);
  }
  return objectUrl(new COS(call.cos), call.url);
}

(async () => {
  const calls = JSON.parse(process.argv[2]);
  const results = [];
  for (const call of calls) results.push(await run(call));
  process.stdout.write("\nRESULT " + JSON.stringify(results) + "\n");
})().catch((err) => {
  process.stderr.write(String((err && err.stack) || err) + "\n");
  process.exit(1);
});
