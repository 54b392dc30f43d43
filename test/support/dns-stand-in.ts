// A small DNS server on 127.0.0.1 (UDP, a free port) answering MX questions from a table, built with
// dns-packet; node:dns's Resolver asks it through setServers(['127.0.0.1:<port>']).

import { createSocket } from 'node:dgram';
import type { AddressInfo } from 'node:net';
import dnsPacket from 'dns-packet';

export interface DnsStandIn {
  /** `127.0.0.1:<port>`, for Resolver.setServers. */
  server: string;
  /** Domain -> MX records; a missing domain answers NXDOMAIN. Changeable at any time. */
  mx: Map<string, { exchange: string; preference: number }[]>;
  close(): Promise<void>;
}

export async function startDnsStandIn(): Promise<DnsStandIn> {
  const mx = new Map<string, { exchange: string; preference: number }[]>();
  const socket = createSocket('udp4');
  socket.on('message', (message, remote) => {
    const query = dnsPacket.decode(message);
    const question = query.questions?.[0];
    const records = question ? mx.get(question.name.toLowerCase()) : undefined;
    const answer = dnsPacket.encode({
      type: 'response',
      id: query.id,
      flags: dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE | (records ? 0 : 3),
      questions: query.questions,
      answers:
        records && question?.type === 'MX'
          ? records.map((r) => ({
              type: 'MX' as const,
              name: question.name,
              ttl: 300,
              class: 'IN' as const,
              data: r,
            }))
          : [],
    });
    socket.send(answer, remote.port, remote.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address() as AddressInfo;
  return {
    server: `127.0.0.1:${port}`,
    mx,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}
