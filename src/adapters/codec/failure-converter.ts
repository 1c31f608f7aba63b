/**
 * The failure converter of every worker, client and workflow bundle. A failure's message and stack
 * trace travel as an encoded payload (the failure's encodedAttributes), so the payload codec encrypts
 * them like any argument and Temporal keeps only "Encoded failure" in clear: an error text may hold
 * what an argument would (an instance name, a provider's words). Every SDK client, the Temporal UI
 * (through the codec endpoint) decode them back.
 *
 * Loaded by path (`failureConverterPath`: require.resolve of this file), since workflow code gets it
 * bundled; this file must stay importable inside the workflow sandbox.
 */
import { DefaultFailureConverter } from '@temporalio/common';

export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
