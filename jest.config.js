/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': 'ts-jest' },
  globalSetup: '<rootDir>/test/support/globalSetup.ts',
  globalTeardown: '<rootDir>/test/support/globalTeardown.ts',
  testTimeout: 60000,
  // A test that fails half-way can leave a server of its own listening; the run must still end
  // (CI once waited 75 minutes on one after every suite had finished).
  forceExit: true,
  moduleNameMapper: { '^@azure/functions-core$': '<rootDir>/test/support/functionsCoreStub.ts' },
};
