import { InvalidPhone, WarmerError } from '../../src/domain/errors';
import {
  canonicalPhone,
  isE164Digits,
  jidToPhone,
  maskPhone,
  normalizePhone,
  phoneToJid,
  phoneVariants,
  samePhone,
  scrubPhones,
} from '../../src/domain/phone';
import { hasUrlCredentials, redactUrlCredentials, scrubText, urlOrigin } from '../../src/domain/redact';

describe('normalizePhone', () => {
  test.each([
    ['+55 (11) 99999-9999', '5511999999999'],
    ['5511999999999', '5511999999999'],
    ['  +55 11 99999-9999\n', '5511999999999'],
    ['55.11.3333.4444', '551133334444'],
    ['+1 (415) 555-0100', '14155550100'],
    ['1234567890', '1234567890'], // 10 digits, the minimum
    ['123456789012345', '123456789012345'], // 15 digits, the maximum
  ])('%p -> %p', (input, expected) => {
    expect(normalizePhone(input)).toBe(expected);
    expect(isE164Digits(normalizePhone(input))).toBe(true);
  });

  test.each([
    ['short', '551199999'],
    ['too long', '5511999999999999'],
    ['letters', '55 11 9999A-9999'],
    ['leading zero', '05511999999999'],
    ['leading zero after +', '+0 11 99999-9999'],
    ['empty', ''],
    ['only punctuation', '+() -'],
    ['two plus signs', '++5511999999999'],
    ['plus in the middle', '55+11999999999'],
    ['slash', '55/11999999999'],
  ])('rejects %s (%p) with InvalidPhone naming the input', (_label, input) => {
    let caught: unknown;
    try {
      normalizePhone(input);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(InvalidPhone);
    expect(caught).toBeInstanceOf(WarmerError);
    expect((caught as InvalidPhone).code).toBe('InvalidPhone');
    expect((caught as Error).message).toContain(`'${input}'`);
  });
});

describe('maskPhone', () => {
  test('shows only the last 4 digits', () => {
    expect(maskPhone('5511999991234')).toBe('***1234');
    expect(maskPhone('+55 (11) 98765-4321')).toBe('***4321');
    const masked = maskPhone('5511987650000');
    expect(masked).not.toContain('55119876');
    expect(masked.replace(/\D/g, '')).toHaveLength(4);
  });
  test('short input never gains digits', () => {
    expect(maskPhone('12')).toBe('***12');
    expect(maskPhone('')).toBe('***');
  });
});

describe('JIDs', () => {
  test('phoneToJid / jidToPhone round trip, device suffix dropped', () => {
    expect(phoneToJid('5511999999999')).toBe('5511999999999@s.whatsapp.net');
    expect(jidToPhone('5511999999999@s.whatsapp.net')).toBe('5511999999999');
    expect(jidToPhone('5511999999999:12@s.whatsapp.net')).toBe('5511999999999');
  });
});

describe("Brazil's ninth digit", () => {
  test.each([
    ['551188887777', '5511988887777'], // old 8-digit mobile: the 9 is restored
    ['5521976543210', '5521976543210'], // already canonical
    ['551133334444', '551133334444'], // landline (starts with 3): untouched
    ['552125554444', '552125554444'], // landline (starts with 2): untouched
    ['14155550100', '14155550100'], // not Brazil
    ['5511988887777', '5511988887777'],
  ])('canonicalPhone(%p) = %p', (input, expected) => {
    expect(canonicalPhone(input)).toBe(expected);
    expect(normalizePhone(`+${input}`)).toBe(expected);
  });

  test('every form WhatsApp may write a mobile in, canonical first', () => {
    expect(phoneVariants('551188887777')).toEqual(['5511988887777', '551188887777']);
    expect(phoneVariants('5511988887777')).toEqual(['5511988887777', '551188887777']);
    expect(phoneVariants('551133334444')).toEqual(['551133334444']);
    expect(samePhone('551188887777', '5511988887777')).toBe(true);
    expect(samePhone('551188887777', '551188887778')).toBe(false);
  });
});

describe('scrubPhones', () => {
  test.each([
    ['ligar 5511987654321 ou +55 11 98765-4321', 'ligar ***4321 ou ***4321'],
    ['5511987654321@s.whatsapp.net', '***4321@s.whatsapp.net'],
    ['instância loja-5511987654321 e loja5511987654321', 'instância loja-***4321 e loja***4321'],
    ['(11) 98765.4321', '***4321'],
    ['+1 415 555 0100 e 14155550100', '***0100 e ***0100'],
    ['20 10 1234 5678 e 201012345678', '***5678 e ***5678'],
  ])('masks %p', (text, masked) => {
    expect(scrubPhones(text)).toBe(masked);
  });

  test.each([
    'chip 12345678-1234-4234-8234-123456789012',
    'evento evt_5f0c1234567890abcdef1234567890ab',
    'às 2026-03-01 12:00:00',
    'de ::ffff:192.168.100.200',
    'ns 1767225600000000000',
    'ms 1767225600000, queue built-worker-1767225600000',
    'migração 20251125120000_warmup_tables',
    'erro 503, código 123456789, 12:30',
  ])('keeps %p', (text) => {
    expect(scrubPhones(text)).toBe(text);
  });
});

describe('redaction of URL credentials', () => {
  test('credentials are replaced and detected; the origin never carries them', () => {
    expect(redactUrlCredentials('at https://admin:s3cr3t@evo.example/x and postgres://u:p@db/w')).toBe(
      'at https://***@evo.example/x and postgres://***@db/w',
    );
    expect(hasUrlCredentials('https://admin:s3cr3t@evo.example')).toBe(true);
    expect(hasUrlCredentials('https://evo.example/x?token=1')).toBe(false);
    expect(urlOrigin('https://admin:s3cr3t@evo.example:8443/p?k=1')).toBe('https://evo.example:8443');
    expect(scrubText('https://u:5511987654321@x.example')).toBe('https://***@x.example');
  });
});
