/**
 * Container health check (`node dist/healthcheck.js`): GET /health/live on PORT over loopback.
 * Exit 0 on HTTP 200, 1 otherwise. The runtime image has no shell or curl.
 */
import { request } from 'node:http';

import { DEFAULT_PORT, HEALTH_LIVE_PATH } from './constants.js';

const port = Number(process.env['PORT'] ?? DEFAULT_PORT);
const timeoutMs = 3000;

const req = request(
  { host: '127.0.0.1', port, path: HEALTH_LIVE_PATH, method: 'GET', timeout: timeoutMs },
  (res) => {
    res.resume();
    process.exit(res.statusCode === 200 ? 0 : 1);
  },
);
req.on('timeout', () => {
  req.destroy(new Error('timeout'));
});
req.on('error', (error) => {
  process.stderr.write(`healthcheck failed: ${error.message}\n`);
  process.exit(1);
});
req.end();
