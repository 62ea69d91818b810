import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { QueryClient } from '@tanstack/react-query'
import { AuthProvider } from 'tabauth'
import { AuthQueryClientProvider } from 'tabauth/query'
import { App } from './App'
import { client } from './auth'
import './styles.css'

const queryClient = new QueryClient()

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <AuthProvider client={client}>
      <AuthQueryClientProvider client={queryClient}>
        <App />
      </AuthQueryClientProvider>
    </AuthProvider>
  </StrictMode>,
)
