import { version as reactVersion } from 'react'
import { version as reactDomVersion } from 'react-dom'
import { expect, it } from 'vitest'

// Each vitest project (react, react18) names the React major it runs the React tests against.
it('runs against the React major this project is for, with a matching react-dom', () => {
  expect(reactVersion.split('.')[0]).toBe(process.env.REACT_MAJOR)
  expect(reactDomVersion).toBe(reactVersion)
})
