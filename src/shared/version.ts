import pkg from '../../package.json';

export const OCTET_VERSION: string = pkg.version;
