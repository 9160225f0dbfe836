export * from './archive';
export * from './findings';
export * from './limits';
export * from './manifest';
export * from './navx';
export * from './report';
export * from './rules';
