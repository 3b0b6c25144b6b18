'use strict';

// Tests talk only to servers on this machine: any connection to another address fails the
// test before it leaves (the SDK's log and RPC endpoints included, were they ever called).

const net = require('net');

const isLoopback = (host) =>
  host === undefined || host === 'localhost' || host === '::1' || /^127\./.test(host) ||
  /^::ffff:127\./.test(host);

const originalConnect = net.Socket.prototype.connect;

net.Socket.prototype.connect = function connect(...args) {
  const first = Array.isArray(args[0]) ? args[0][0] : args[0];
  const options = typeof first === 'object' && first !== null ? first : { host: args[1] };
  if (!options.path && !isLoopback(options.host)) {
    throw new Error(`tests may only connect to loopback addresses, not ${options.host}`);
  }
  return originalConnect.apply(this, args);
};
