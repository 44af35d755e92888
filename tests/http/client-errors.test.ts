// Requests Node's HTTP parser refuses before Express sees them (headers past
// the 16 KB limit, a request line that is not HTTP) still get a problem
// document, as the contract asks of every response, not Node's empty answer.
import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import { createApp } from '../../src/app';
import { answerClientErrorsWithProblems } from '../../src/http/client-errors';

let server: Server;
let port: number;

beforeAll(async () => {
  server = createServer(createApp());
  answerClientErrorsWithProblems(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as { port: number }).port;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** Sends raw bytes and reads until the server closes the connection. */
function exchange(raw: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.end(raw));
    let answer = '';
    socket.setEncoding('utf8').on('data', (chunk: string) => (answer += chunk)).on('close', () => resolve(answer)).on('error', reject);
  });
}

function parse(answer: string) {
  const [head = '', body = ''] = answer.split('\r\n\r\n');
  const [statusLine = '', ...headers] = head.split('\r\n');
  return { status: Number(statusLine.split(' ')[1]), headers: headers.join('\n').toLowerCase(), body: JSON.parse(body) as Record<string, unknown> };
}

describe('requests the HTTP parser refuses', () => {
  it('answers headers past the size limit with a 431 problem document', async () => {
    const res = parse(await exchange(`GET /api/products/ HTTP/1.1\r\nHost: localhost\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`));
    expect(res.status).toBe(431);
    expect(res.headers).toMatch(/content-type: application\/problem\+json/);
    expect(res.headers).toMatch(/connection: close/);
    expect(res.body).toEqual({ type: 'about:blank', title: 'Request Header Fields Too Large', status: 431, detail: expect.any(String) });
  });

  it('answers a request that is not HTTP with a 400 problem document', async () => {
    const res = parse(await exchange('HELLO THERE\r\n\r\n'));
    expect(res.status).toBe(400);
    expect(res.headers).toMatch(/content-type: application\/problem\+json/);
    expect(res.body).toMatchObject({ status: 400, title: 'Bad Request', detail: expect.any(String) });
  });
});
