'use strict';

// Mocha's global fixtures: one real server for the whole run.

require('./loopback-only');
const server = require('./server');

exports.mochaGlobalSetup = async function setup() {
  await server.start();
};

exports.mochaGlobalTeardown = async function teardown() {
  await server.stop();
};
