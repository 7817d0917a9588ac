import { registerTransport, type TransportFactory } from '@flint/core/transport';
import { TcpTransport } from './tcp-transport.ts';

export { TcpTransport } from './tcp-transport.ts';
export { TcpServer } from './tcp-server.ts';
export { TcpConnection } from './tcp-connection.ts';
export { FrameType } from './frame.ts';

/** Makes a TCP transport; also registered under the name `'tcp'`. */
export const transportFactory: TransportFactory = (options) => new TcpTransport(options);

registerTransport('tcp', transportFactory);
