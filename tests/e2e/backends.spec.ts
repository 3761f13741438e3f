import { test, expect } from '@playwright/test';

test('the data step reports a WebGPU adapter (SwiftShader), WebGL and WASM', async ({ page }) => {
  await page.goto('/');
  const panel = page.getByTestId('backends');
  await expect(panel.getByTestId('webgpu-status')).toContainText('available');
  await expect(panel.getByTestId('webgpu-status')).not.toContainText('not available');
  // SwiftShader names itself in the adapter info (vendor "google", description/architecture "swiftshader").
  await expect(panel.getByTestId('webgpu-adapter')).toHaveText(/swiftshader|google/i);
  await expect(panel.getByTestId('wasm-status')).toContainText('SIMD: yes');
  // Which backend trains is measured on the Train step, not promised here.
  await expect(panel.getByTestId('backend-choice')).toContainText('times one training step on each backend');
});
