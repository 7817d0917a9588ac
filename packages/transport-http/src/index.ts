import { registerTransport, type TransportFactory } from '@flint/core/transport';
import { HttpTransport } from './http-transport.ts';

export { HttpTransport } from './http-transport.ts';
export { HttpServer } from './http-server.ts';
export { HttpConnection } from './http-connection.ts';
export type { HttpTransportOptions } from './http-transport-options.ts';

/** Makes an HTTP transport; also registered under the name `'http'`. */
export const transportFactory: TransportFactory = (options) => new HttpTransport(options);

registerTransport('http', transportFactory);
