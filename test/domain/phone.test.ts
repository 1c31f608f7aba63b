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
} from '../../src/domain/phone';

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
