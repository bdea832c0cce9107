#!/usr/bin/env node
// The `star` command: loads the TypeScript CLI through tsx, so a checkout works after `npm install`.
'use strict';
require('tsx/cjs');
require('../cli/main.ts');
