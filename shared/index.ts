export * from './types';
export * from './events';
export * from './limits';
export * as schemas from './schemas';
