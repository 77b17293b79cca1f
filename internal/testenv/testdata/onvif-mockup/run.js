// Starts the onvif package's server mockup (test/serverMockup.coffee) for
// Vigilo's tests, unchanged, with two things held back at the socket level:
//  - its WS-Discovery socket would bind UDP 3702 on every interface, join
//    the multicast group and throw (ending the process) when another test
//    holds 3702 or the machine has no multicast route; it is bound to an
//    ephemeral loopback port instead and joins nothing;
//  - its HTTP server would listen on every interface; it listens on
//    127.0.0.1 only (tests talk to loopback alone).
// PORT, HOSTNAME and VERBOSE are read by the mockup itself.
'use strict';
const dgram = require('dgram');
const net = require('net');

const bindUDP = dgram.Socket.prototype.bind;
dgram.Socket.prototype.bind = function (port, ...rest) {
  if (port === 3702) {
    return bindUDP.call(this, { port: 0, address: '127.0.0.1' });
  }
  return bindUDP.call(this, port, ...rest);
};

const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  if (args.length === 1 && (typeof args[0] === 'number' || typeof args[0] === 'string')) {
    return listen.call(this, Number(args[0]), '127.0.0.1');
  }
  return listen.apply(this, args);
};

require('coffeescript/register');
require('onvif/test/serverMockup.coffee');
