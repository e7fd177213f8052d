/** The top bar: the app's name, linking home. */
export function NavBar () {
  return (
    <header class='navbar'>
      <nav aria-label='Main'>
        <a href='/' class='brand'>MHC</a>
      </nav>
    </header>
  )
}
