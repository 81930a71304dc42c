"""Demo catalog for both storefronts (idempotent: run it again and nothing is duplicated).

Techaven: phones, laptops and accessories in MWK with generated images, vendors in
Lilongwe and Blantyre. CryptoShop: digital goods and services in BTC and EUR. Every list
a client can open shows something: featured, hot sales, special offers, new arrivals,
subcategories, each shop's products, reviews."""

from __future__ import annotations

import io
from datetime import timedelta

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageDraw

from accounts.models import User
from catalog import pagecache, search
from catalog.models import Category, Product, ProductImage, Review, Shop
from catalog.services.products import product_create
from catalog.services.reviews import ratings_refresh
from core.storefront import Storefront

TH, CS = Storefront.TECHAVEN, Storefront.CRYPTOSHOP
SELLER_PASSWORD = "demo1234"
HOURS = {
    "monday": "08:00 - 17:00",
    "tuesday": "08:00 - 17:00",
    "wednesday": "08:00 - 17:00",
    "thursday": "08:00 - 17:00",
    "friday": "08:00 - 17:00",
    "saturday": "09:00 - 15:00",
    "sunday": "Closed",
}

TH_CATEGORIES = [
    # (name, icon, description, featured, subcategories)
    ("Phones", "smartphone", "Smartphones and mobile devices", True,
     ["Android Phones", "iPhones"]),
    ("Laptops", "laptop", "Notebooks and laptops", True, ["Ultrabooks", "Gaming Laptops"]),
    ("Accessories", "headphones", "Chargers, audio and cases", False,
     ["Chargers & Cables", "Audio", "Phone Cases"]),
    ("Tablets", "tablet", "Tablets and e-readers", False, []),
]  # fmt: skip

TH_SHOPS = [
    # (username, name, location, address, phone, verified, description)
    ("demo_seller_techstore", "TechStore MW", "Lilongwe", "City Mall, Shop 45, Lilongwe",
     "+265991234567", True, "Your one-stop shop for genuine electronics with warranty."),
    ("demo_seller_gadgethub", "Gadget Hub Blantyre", "Blantyre",
     "Chichiri Shopping Mall, Blantyre", "+265888765432", True,
     "Phones, laptops and accessories in the commercial capital."),
    ("demo_seller_area47", "Area 47 Electronics", "Lilongwe", "Area 47, Sector 3, Lilongwe",
     "+265997001122", False, "Affordable accessories and repairs."),
]  # fmt: skip

# (shop index, category, name, brand, price, original, stock, featured, hot, sales, age days,
#  specifications, colour)
TH_PRODUCTS = [
    (0, "iPhones", "iPhone 14 Pro", "Apple", 1_299_000, 1_499_000, 25, True, True, 156, 5,
     {"model": "iPhone 14 Pro", "storage": "256GB", "color": "Deep Purple",
      "display": "6.1-inch Super Retina XDR", "processor": "A16 Bionic", "warranty": "1 Year"},
     (94, 76, 138)),
    (0, "iPhones", "iPhone 13", "Apple", 899_000, None, 12, False, False, 80, 120,
     {"storage": "128GB", "color": "Midnight", "warranty": "1 Year"}, (40, 40, 60)),
    (1, "Android Phones", "Samsung Galaxy S23", "Samsung", 1_099_000, 1_199_000, 18, True,
     False, 64, 12, {"storage": "256GB", "ram": "8GB", "battery": "3900mAh"}, (30, 60, 120)),
    (1, "Android Phones", "Tecno Spark 10 Pro", "Tecno", 289_000, 320_000, 60, False, True,
     240, 3, {"storage": "128GB", "ram": "8GB", "battery": "5000mAh"}, (20, 140, 200)),
    (2, "Android Phones", "Infinix Hot 30", "Infinix", 249_000, None, 45, False, True, 198,
     45, {"storage": "128GB", "ram": "8GB"}, (0, 160, 120)),
    (0, "Ultrabooks", "MacBook Air M2", "Apple", 2_150_000, 2_300_000, 8, True, False, 22, 9,
     {"processor": "Apple M2", "ram": "8GB", "storage": "256GB SSD", "display": "13.6-inch"},
     (180, 180, 190)),
    (1, "Ultrabooks", "Dell XPS 13", "Dell", 1_850_000, None, 5, False, False, 11, 90,
     {"processor": "Intel Core i7", "ram": "16GB", "storage": "512GB SSD"}, (60, 60, 70)),
    (1, "Gaming Laptops", "HP Victus 15 Gaming", "HP", 1_650_000, 1_790_000, 6, False, True,
     35, 20, {"gpu": "RTX 3050", "ram": "16GB", "storage": "512GB SSD"}, (150, 20, 40)),
    (0, "Laptops", "Lenovo IdeaPad 3", "Lenovo", 780_000, None, 14, False, False, 40, 60,
     {"processor": "Ryzen 5", "ram": "8GB", "storage": "512GB SSD"}, (90, 90, 100)),
    (2, "Chargers & Cables", "Anker 20W USB-C Charger", "Anker", 35_000, 42_000, 120, False,
     True, 410, 2, {"power": "20W", "port": "USB-C"}, (240, 240, 240)),
    (2, "Chargers & Cables", "Oraimo Power Bank 20000mAh", "Oraimo", 42_000, None, 80, False,
     False, 150, 70, {"capacity": "20000mAh", "ports": "2x USB-A, 1x USB-C"}, (20, 200, 60)),
    (0, "Audio", "AirPods Pro (2nd gen)", "Apple", 420_000, 480_000, 30, True, False, 95, 15,
     {"noise_cancelling": "Yes", "battery": "6 hours"}, (250, 250, 250)),
    (1, "Audio", "JBL Flip 6 Speaker", "JBL", 185_000, None, 22, False, True, 77, 8,
     {"waterproof": "IP67", "battery": "12 hours"}, (230, 90, 20)),
    (2, "Phone Cases", "iPhone 14 Pro Leather Case", "Apple", 65_000, 75_000, 50, False,
     False, 60, 4, {"material": "Leather", "fits": "iPhone 14 Pro"}, (120, 70, 40)),
    (0, "Tablets", "iPad 10th Generation", "Apple", 980_000, None, 10, True, False, 18, 25,
     {"display": "10.9-inch", "storage": "64GB"}, (70, 130, 220)),
    (1, "Tablets", "Samsung Galaxy Tab A8", "Samsung", 520_000, 560_000, 9, False, False, 26,
     100, {"display": "10.5-inch", "storage": "64GB"}, (100, 100, 110)),
]  # fmt: skip

CS_CATEGORIES = ["Services", "Digital Goods", "Software", "E-books"]
CS_SELLERS = [
    # (username, store, category, description, response time, verified, online)
    ("demo_securenet", "SecureNet", "Services", "Premium digital services provider",
     "2 hours", True, True),
    ("demo_pixelforge", "PixelForge", "Digital Goods", "Templates, icons and 3D assets",
     "1 hour", True, False),
    ("demo_keyvault", "KeyVault", "Software", "Software licences delivered instantly",
     "30 minutes", False, True),
]  # fmt: skip
# (seller index, category, name, description, satoshis, cents, sales, tags, specs, age days)
CS_PRODUCTS = [
    (0, "Services", "Premium VPN Subscription",
     "Lifetime VPN subscription with unlimited bandwidth", 250_000, 8_999, 8934,
     ["VPN", "Privacy", "Security"], {"Subscription Type": "Lifetime", "Devices": "Up to 10"}, 40),
    (0, "Services", "Encrypted Email - 1 Year", "Private mailbox with PGP built in",
     120_000, 4_500, 1203, ["Email", "Privacy"], {"Storage": "15 GB"}, 12),
    (1, "Digital Goods", "UI Icon Pack (2,000 icons)", "SVG and PNG icons, commercial licence",
     45_000, 1_699, 640, ["Design", "Icons"], {"Formats": "SVG, PNG"}, 3),
    (1, "Digital Goods", "Low-poly 3D City Kit", "300 game-ready models",
     180_000, 6_499, 210, ["3D", "Gamedev"], {"Models": "300", "Formats": "FBX, GLB"}, 65),
    (2, "Software", "Password Manager - Family Licence", "Six seats, all platforms",
     95_000, 3_499, 2210, ["Security", "Passwords"], {"Seats": "6"}, 25),
    (2, "E-books", "Bitcoin Self-Custody Handbook", "Hardware wallets, multisig and backups",
     15_000, 599, 980, ["Bitcoin", "Guide"], {"Pages": "212", "Format": "PDF, EPUB"}, 7),
]  # fmt: skip

REVIEW_TEXTS = [
    (5, "Excellent!", "Exactly as described, fast delivery. Highly recommended."),
    (4, "Very good", "Works well. Packaging could be better."),
    (5, "Love it", "Genuine product and the shop answered all my questions."),
    (3, "Okay", "Does the job, but I expected a little more for the price."),
]


def _image(text: str, colour: tuple[int, int, int], size=(600, 600)) -> ContentFile:
    img = Image.new("RGB", size, colour)
    draw = ImageDraw.Draw(img)
    for i in range(0, size[1], 6):  # a soft vertical gradient
        shade = tuple(max(0, min(255, c + (i * 60) // size[1] - 30)) for c in colour)
        draw.rectangle([0, i, size[0], i + 6], fill=shade)
    draw.rounded_rectangle([60, 60, size[0] - 60, size[1] - 60], radius=40, outline="white",
                           width=6)  # fmt: skip
    words = text.split()
    lines = [" ".join(words[i : i + 2]) for i in range(0, len(words), 2)]
    y = size[1] // 2 - 14 * len(lines)
    for line in lines:
        width = draw.textlength(line)
        draw.text(((size[0] - width) / 2, y), line, fill="white")
        y += 28
    out = io.BytesIO()
    img.save(out, "JPEG", quality=85)
    return ContentFile(out.getvalue())


def _user(storefront: str, username: str, full_name: str = "", password: str | None = None):
    user, created = User.objects.get_or_create(
        username=username,
        defaults={
            "storefront": storefront,
            "full_name": full_name,
            "email": f"{username}@demo.duka.local" if storefront == TH else "",
            "email_verified_at": timezone.now() if storefront == TH else None,
        },
    )
    if created:
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save()
    return user


def _category(storefront: str, name: str, parent=None, **extra) -> Category:
    from django.utils.text import slugify

    category, _ = Category.objects.get_or_create(
        storefront=storefront,
        slug=slugify(name),
        defaults={"name": name, "parent": parent, **extra},
    )
    return category


def _reviews(product: Product, reviewers: list[User], count: int) -> int:
    made = 0
    for i, user in enumerate(reviewers[:count]):
        rating, title, comment = REVIEW_TEXTS[(product.pk + i) % len(REVIEW_TEXTS)]
        _, created = Review.objects.get_or_create(
            product=product,
            user=user,
            defaults={"rating": rating, "title": title, "comment": comment,
                      "helpful_count": (product.pk * 7 + i * 3) % 40},
        )  # fmt: skip
        made += created
    with transaction.atomic():  # the refresh locks the product and its shop
        ratings_refresh(product_id=product.pk)
    return made


def _seed_techaven() -> list[str]:
    categories: dict[str, Category] = {}
    for order, (name, icon, description, featured, subs) in enumerate(TH_CATEGORIES):
        parent = _category(TH, name, icon=icon, description=description, is_featured=featured,
                           sort_order=order)  # fmt: skip
        categories[name] = parent
        for sub_order, sub in enumerate(subs):
            categories[sub] = _category(TH, sub, parent=parent, sort_order=sub_order, icon=icon)

    shops = []
    for username, name, location, address, phone, verified, description in TH_SHOPS:
        owner = _user(TH, username, name, password=SELLER_PASSWORD)
        shop, _ = Shop.objects.get_or_create(
            storefront=TH,
            slug=name.lower().replace(" ", "-"),
            defaults={
                "owner": owner, "name": name, "location": location, "address": address,
                "phone": phone, "email": f"info@{username.split('_')[-1]}.mw",
                "website": f"https://{username.split('_')[-1]}.mw", "business_hours": HOURS,
                "is_verified": verified, "description": description,
                "joined_at": timezone.now() - timedelta(days=400),
            },
        )  # fmt: skip
        if not shop.logo:
            shop.logo.save(f"{shop.slug}_logo.jpg", _image(name, (20, 40, 80), (200, 200)))
            shop.cover_image.save(f"{shop.slug}_cover.jpg", _image(name, (10, 90, 120), (900, 300)))
        shops.append(shop)

    reviewers = [
        _user(TH, f"demo_reviewer_{i}", full_name)
        for i, full_name in enumerate(
            ["Chikondi Phiri", "Thoko Banda", "Kondwani Mwale", "Tadala Chirwa", "Mphatso Kachale"],
            start=1,
        )
    ]
    created_products = created_reviews = 0
    now = timezone.now()
    for (shop_i, cat, name, brand, price, original, stock, featured, hot, sales, age, specs,
         colour) in TH_PRODUCTS:  # fmt: skip
        product = Product.objects.filter(storefront=TH, shop=shops[shop_i], name=name).first()
        if product is None:
            product = product_create(
                shop=shops[shop_i],
                staff=True,
                fields={
                    "name": name, "brand": brand, "category": categories[cat],
                    "description": f"{name} by {brand}. Genuine, with warranty, delivered "
                                   f"anywhere in Malawi.",
                    "price_minor": price, "original_price_minor": original,
                    "stock_quantity": stock, "is_featured": featured, "is_hot_sale": hot,
                    "specifications": {"brand": brand, **specs},
                    "tags": [brand.lower(), cat.lower()],
                },
            )  # fmt: skip
            Product.objects.filter(pk=product.pk).update(
                sales_count=sales, created_at=now - timedelta(days=age)
            )
            created_products += 1
        if not product.images.exists():
            for position in range(2):
                image = ProductImage(product=product, position=position)
                shade = tuple(max(0, c - 40 * position) for c in colour)
                image.image.save(f"demo_{product.slug}_{position + 1}.jpg", _image(name, shade))
        created_reviews += _reviews(product, reviewers, 2 + product.pk % 4)
    return [
        f"Techaven: {len(categories)} categories, {len(shops)} vendors (Lilongwe, Blantyre), "
        f"{Product.objects.filter(storefront=TH).count()} products "
        f"({created_products} new), {created_reviews} new reviews",
        f"Techaven vendor back office: /seller/api/ as demo_seller_techstore / {SELLER_PASSWORD}",
    ]


def _seed_cryptoshop() -> list[str]:
    categories = {name: _category(CS, name) for name in CS_CATEGORIES}
    sellers = []
    for username, store, cat, description, response, verified, online in CS_SELLERS:
        owner = _user(CS, username)
        shop, _ = Shop.objects.get_or_create(
            storefront=CS,
            owner=owner,
            defaults={
                "name": store, "slug": store.lower(), "category": categories[cat],
                "description": description, "response_time": response,
                "is_verified": verified, "is_online": online,
                "joined_at": timezone.now() - timedelta(days=300),
            },
        )  # fmt: skip
        sellers.append(shop)
    reviewers = [_user(CS, f"demo_buyer_{i}") for i in range(1, 5)]
    created = reviews = 0
    now = timezone.now()
    for seller_i, cat, name, description, sats, cents, sales, tags, specs, age in CS_PRODUCTS:
        product = Product.objects.filter(storefront=CS, shop=sellers[seller_i], name=name).first()
        if product is None:
            product = product_create(
                shop=sellers[seller_i],
                fields={
                    "name": name, "description": description, "category": categories[cat],
                    "price_minor": sats, "price_eur_minor": cents, "stock_quantity": 999,
                    "tags": tags, "specifications": specs, "delivery_time": "Instant",
                    "is_digital": True,
                },
                images=[f"https://picsum.photos/seed/{name.split()[0].lower()}/600/600"],
            )  # fmt: skip
            Product.objects.filter(pk=product.pk).update(
                sales_count=sales, view_count=sales * 7, created_at=now - timedelta(days=age)
            )
            created += 1
        reviews += _reviews(product, reviewers, 1 + product.pk % 4)
    for shop in sellers:
        stats = Product.objects.filter(shop=shop)
        Shop.objects.filter(pk=shop.pk).update(
            sales_count=sum(p.sales_count for p in stats),
            revenue_minor=sum(p.sales_count * p.price_minor for p in stats),
        )
    return [
        f"CryptoShop: {len(categories)} categories, {len(sellers)} sellers, "
        f"{Product.objects.filter(storefront=CS).count()} products ({created} new) priced in "
        f"BTC and EUR, {reviews} new reviews"
    ]


def seed() -> list[str]:
    lines = _seed_techaven() + _seed_cryptoshop()
    search.reindex_products(Product.objects.values_list("pk", flat=True))
    pagecache.catalog_changed()  # each write above committed on its own
    return lines
