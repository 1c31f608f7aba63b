/** Every workflow the worker registers has its name in WORKFLOW_TYPES, which clients start it by. */
import * as workflows from '../../src/workflows';
import { WORKFLOW_TYPES } from '../../src/workflows/api';

test('WORKFLOW_TYPES names exactly the workflows the worker registers', () => {
  expect(Object.values(WORKFLOW_TYPES).sort()).toEqual(Object.keys(workflows).sort());
});
