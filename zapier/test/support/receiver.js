'use strict';

// A real HTTP server on 127.0.0.1 standing in for Zapier's hook URLs: it records every
// request and answers as scripted per path (200 by default).

const http = require('http');

class Receiver {
  constructor() {
    this.requests = [];
    this.scripts = {};
    this.server = http.createServer((req, res) => {
      const chunks = [];
      req.on('data', (chunk) => chunks.push(chunk));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        this.requests.push({ method: req.method, path: req.url, headers: req.headers, body });
        const script = this.scripts[req.url] || [];
        const status = script.length ? script.shift() : 200;
        res.writeHead(status, { 'Content-Type': 'text/plain', Connection: 'close' });
        res.end(status === 410 ? 'gone' : 'ok');
      });
    });
  }

  start() {
    return new Promise((resolve) => {
      this.server.listen(0, '127.0.0.1', () => resolve(this));
    });
  }

  url(path = '/hooks/standard/1') {
    return `http://127.0.0.1:${this.server.address().port}${path}`;
  }

  answer(path, ...statuses) {
    this.scripts[path] = [...(this.scripts[path] || []), ...statuses];
  }

  to(path) {
    return this.requests.filter((r) => r.path === path);
  }

  stop() {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(resolve));
  }
}

module.exports = { Receiver };
