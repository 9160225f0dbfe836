export * from './archiveReader';
export * from './blobSource';
export * from './packageReader';
export * from './source';
export * from './validatePackage';
export * from './technicalInputs';
