// The two libraries only a cover page needs (issue 14), loaded by cover-kit.ts when the first cover
// page is made, and deployed as a bundle of their own (cover-kit.mjs).
//
// @cantoo/fontkit rather than @pdf-lib/fontkit: @cantoo/pdf-lib's font subsetter calls fontkit 2's
// API (`subset.encode()` giving bytes), which @pdf-lib/fontkit (fontkit 1, last released 2021) does
// not have; it is the fork's own fontkit, maintained with it.

export { default as fontkit } from '@cantoo/fontkit';
export { convert as htmlToText } from 'html-to-text';
