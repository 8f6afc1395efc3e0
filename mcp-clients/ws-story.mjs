// The TypeScript MCP SDK over WebSocket against a running coordinator: the agent story of
// issue 6, then every mutating tool for a read-only agent. Exits 0 only if everything held.
// Environment: COORDINATOR_WS (ws://host:port/mcp), WRITER_KEY, READER_KEY, MUTATING_TOOLS (comma-separated).
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { WebSocketClientTransport } from '@modelcontextprotocol/sdk/client/websocket.js';
import WebSocket from 'ws';

const url = new URL(process.env.COORDINATOR_WS);

// The SDK's transport cannot set headers; give it a WebSocket that sends the key on the upgrade.
function connectAs(key) {
  globalThis.WebSocket = class extends WebSocket {
    constructor(address, protocols) {
      super(address, protocols, { headers: { Authorization: `Bearer ${key}` } });
    }
  };
  const client = new Client({ name: 'ws-story', version: '1.0.0' });
  return client.connect(new WebSocketClientTransport(url)).then(() => client);
}

function check(condition, what) {
  if (!condition) {
    throw new Error(`failed: ${what}`);
  }
}

async function call(client, name, args) {
  const result = await client.callTool({ name, arguments: args });
  check(JSON.stringify(result.structuredContent) === JSON.stringify(JSON.parse(result.content[0].text)),
    `${name}: text and structured content agree`);
  return result;
}

async function story() {
  const client = await connectAs(process.env.WRITER_KEY);
  const { tools } = await client.listTools();
  check(tools.length >= 20, `tools/list has the tools (${tools.length})`);
  for (const tool of tools) {
    check(tool.inputSchema.type === 'object' && tool.outputSchema?.type === 'object', `${tool.name} has schemas`);
  }
  const acquired = await call(client, 'acquire_lock', { key: 'src/ts-ws.py', ttl_seconds: 60 });
  check(!acquired.isError && acquired.structuredContent.action === 'acquired', 'acquire_lock');
  const token = acquired.structuredContent.lock.fencing_token;
  const locks = await call(client, 'check_locks', { keys: ['src/ts-ws.py'] });
  check(locks.structuredContent.locks.length === 1, 'check_locks');
  check((await call(client, 'release_lock', { key: 'src/ts-ws.py', fencing_token: token })).structuredContent.released, 'release_lock');

  const submitted = await call(client, 'submit_work', { task_type: 'ts-story', description: 'try the TypeScript SDK' });
  const claimed = await call(client, 'get_work', { task_types: ['ts-story'] });
  check(claimed.structuredContent.task.id === submitted.structuredContent.task.id, 'get_work');
  const done = await call(client, 'complete_work', {
    task_id: claimed.structuredContent.task.id, claim_token: claimed.structuredContent.task.claim_token, success: true });
  check(done.structuredContent.task.status === 'completed', 'complete_work');

  await call(client, 'write_handoff', { summary: 'TypeScript story done' });
  check((await call(client, 'read_handoff', {})).structuredContent.handoffs[0].summary === 'TypeScript story done', 'read_handoff');
  await call(client, 'remember', { event_type: 'ts', summary: 'the SDK works', tags: ['ts'] });
  check((await call(client, 'recall', { tags: ['ts'] })).structuredContent.memories.length === 1, 'recall');
  await client.close();

  const reader = await connectAs(process.env.READER_KEY);
  for (const name of process.env.MUTATING_TOOLS.split(',')) {
    const denied = await call(reader, name, {});
    const code = denied.structuredContent?.error?.code;
    check(denied.isError && (code === 'POLICY_DENIED' || code === 'VALIDATION_FAILED'), `${name} is refused for trust 1 (${code})`);
  }
  const denied = await call(reader, 'acquire_lock', { key: 'src/ts-denied.py' });
  check(denied.structuredContent.error.code === 'POLICY_DENIED', 'acquire_lock is denied for trust 1');
  await reader.close();
}

story().then(() => {
  console.log('ws-story: OK');
  process.exit(0);
}, error => {
  console.error(`ws-story: ${error.stack ?? error}`);
  process.exit(1);
});
