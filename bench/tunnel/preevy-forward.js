// Preevy-style port-forward baseline: a local TCP listener on 127.0.0.1 whose every connection becomes one
// Kubernetes port-forward websocket, through @kubernetes/client-node's PortForward (what Preevy's Kubernetes
// driver uses). Prints the chosen local port on stdout, then serves until killed.
//
//   KPE_BENCH_SERVER=http://127.0.0.1:PORT KPE_BENCH_NAMESPACE=ns KPE_BENCH_POD=pod KPE_BENCH_PORT=2375 \
//     node preevy-forward.js
'use strict';
const net = require('net');
const { Transform } = require('stream');

// A real API server (Go) negotiates no websocket compression; the ws library offers permessage-deflate by default
// and the stand-in server accepts it, which would spend the baseline's CPU on deflating random data. Turn it off,
// as it is against a real cluster. Everything else is client-node's own PortForward.
const wsPath = require.resolve('ws', { paths: [require.resolve('@kubernetes/client-node')] });
const OriginalWebSocket = require(wsPath);
class UncompressedWebSocket extends OriginalWebSocket {
  constructor(address, protocols, options) {
    super(address, protocols, { ...(options || {}), perMessageDeflate: false });
  }
}
// statics (CONNECTING, OPEN, ...) are inherited through the class chain
require.cache[wsPath].exports = UncompressedWebSocket;
const k8s = require('@kubernetes/client-node');

const server = process.env.KPE_BENCH_SERVER;
const namespace = process.env.KPE_BENCH_NAMESPACE;
const pod = process.env.KPE_BENCH_POD;
const port = Number(process.env.KPE_BENCH_PORT || 2375);

const kc = new k8s.KubeConfig();
kc.loadFromOptions({
  clusters: [{ name: 'bench', server, skipTLSVerify: true }],
  users: [{ name: 'bench' }],
  contexts: [{ name: 'bench', cluster: 'bench', user: 'bench' }],
  currentContext: 'bench',
});
const forward = new k8s.PortForward(kc);

// client-node sends each chunk it reads as one frame; a local socket yields chunks of up to 64 KiB, one byte over
// the stand-in server's 64 KiB frame limit once the channel byte is added. Split them; nothing else changes.
const MAX_CHUNK = 65535;
function chunked() {
  return new Transform({
    transform(chunk, _encoding, done) {
      for (let i = 0; i < chunk.length; i += MAX_CHUNK) {
        this.push(chunk.subarray(i, i + MAX_CHUNK));
      }
      done();
    },
  });
}

const listener = net.createServer((socket) => {
  socket.setNoDelay(true);
  const input = socket.pipe(chunked());
  forward.portForward(namespace, pod, [port], socket, null, input).then((ws) => {
    const close = () => { try { (typeof ws === 'function' ? ws() : ws)?.close(); } catch (e) { /* closing */ } };
    socket.on('close', close);
    socket.on('error', close);
  }).catch((err) => {
    process.stderr.write(`port-forward failed: ${err && (err.message || err.type || JSON.stringify(err))} ${err && err.target ? err.target.url : ""}\n`);
    socket.destroy();
  });
});
listener.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${listener.address().port}\n`);
});
