import { gradientPng } from '../../src/cli/demo-images';

export const pngBytes = () => gradientPng(8, [255, 0, 0], [0, 0, 255]);
export const jpegBytes = () => Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(64, 1)]);
export const gifBytes = () => Buffer.concat([Buffer.from('GIF89a', 'ascii'), Buffer.alloc(32, 0)]);
export const webpBytes = () => Buffer.concat([Buffer.from('RIFF', 'ascii'), Buffer.from([0x24, 0, 0, 0]), Buffer.from('WEBPVP8 ', 'ascii'), Buffer.alloc(32)]);
