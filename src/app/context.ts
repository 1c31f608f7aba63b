/**
 * Wires the adapters named by the configuration into the ports the activities and the CLI use.
 * One place, so the worker, the dev stack, the CLI and the end-to-end tests build the same thing.
 */
import { Client, Connection } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { AesGcmPayloadCodec } from '../adapters/codec/aes-gcm-codec';
import { createDb, type Db } from '../adapters/db';
import { createDialogueSource } from '../adapters/dialogue';
import type { DialogueSource } from '../adapters/dialogue/port';
import { createEvolutionClient } from '../adapters/messaging/evolution';
import type { Messaging } from '../adapters/messaging/port';
import { createNotifier } from '../adapters/notify';
import type { Notifier } from '../adapters/notify/port';
import type { WarmerConfig } from '../config';

export interface TemporalHandles {
  connection: Connection;
  client: Client;
}

/** Encrypts payloads when WARMER_CODEC_KEYS is set, failure messages included; the worker and every client must agree. */
export function dataConverterFor(config: WarmerConfig): DataConverter {
  const failureConverterPath = require.resolve('../adapters/codec/failure-converter');
  return config.codec.keys
    ? { payloadCodecs: [new AesGcmPayloadCodec(config.codec.keys)], failureConverterPath }
    : { failureConverterPath };
}

export async function connectTemporal(config: WarmerConfig): Promise<TemporalHandles> {
  const { address, tls, apiKey, metadata } = config.temporal.connection;
  const connection = await Connection.connect({ address, tls, apiKey, metadata });
  return { connection, client: new Client({ connection, namespace: config.temporal.namespace, dataConverter: dataConverterFor(config) }) };
}

export function openDb(config: WarmerConfig): Db {
  return createDb(config.db);
}

export interface Adapters {
  messaging: Messaging;
  notifier: Notifier;
  dialogues: DialogueSource;
}

export function createAdapters(config: WarmerConfig, log: (line: string) => void = (l) => console.log(l)): Adapters {
  if (!config.evolution.baseUrl || !config.evolution.apiKey) {
    throw new Error('EVOLUTION_API_URL and EVOLUTION_API_KEY are required to send messages');
  }
  return {
    messaging: createEvolutionClient({ baseUrl: config.evolution.baseUrl, apiKey: config.evolution.apiKey }),
    notifier: createNotifier({ slackWebhookUrl: config.slackWebhookUrl, log }),
    dialogues: createDialogueSource({ llm: config.llm }),
  };
}
