"""Every catalog write, one module per area: products, reviews, wishlist, shops, CryptoShop
sellers (their profile and products) and the categories they name."""
