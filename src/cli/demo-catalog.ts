// The demo shop's catalog: enough realistic products to page, search and
// filter, in a small tree of categories (two levels, some products at the top).
export interface DemoProduct {
  name: string;
  description: string;
  price: string;
  stock: number;
  /** The slug of its category. */
  category: string;
}

export interface DemoCategory {
  name: string;
  slug: string;
  /** The parent's slug; parents come before their children in demoCategories. */
  parent?: string;
}

export const demoCategories: DemoCategory[] = [
  { name: 'Clothing', slug: 'clothing' },
  { name: 'Shoes', slug: 'shoes', parent: 'clothing' },
  { name: 'Accessories', slug: 'accessories', parent: 'clothing' },
  { name: 'Home', slug: 'home' },
  { name: 'Kitchen', slug: 'kitchen', parent: 'home' },
  { name: 'Coffee & Tea', slug: 'coffee-tea', parent: 'kitchen' },
  { name: 'Cookware', slug: 'cookware', parent: 'kitchen' },
  { name: 'Bed & Bath', slug: 'bed-bath', parent: 'home' },
  { name: 'Garden', slug: 'garden', parent: 'home' },
  { name: 'Electronics', slug: 'electronics' },
  { name: 'Computer Accessories', slug: 'computer-accessories', parent: 'electronics' },
  { name: 'Audio', slug: 'audio', parent: 'electronics' },
  { name: 'Sports & Outdoors', slug: 'sports-outdoors' },
  { name: 'Fitness', slug: 'fitness', parent: 'sports-outdoors' },
  { name: 'Outdoors', slug: 'outdoors', parent: 'sports-outdoors' },
  { name: 'Stationery & Art', slug: 'stationery' },
  { name: 'Toys & Games', slug: 'toys-games' },
  { name: 'Food', slug: 'food' },
];

const rows: [string, string, string, number, string][] = [
  ['Classic Cotton T-Shirt', 'Soft 180 g/m² organic cotton tee with a relaxed fit.', '19.99', 120, 'clothing'],
  ['Slim Fit Chinos', 'Stretch twill chinos with a tapered leg.', '49.90', 60, 'clothing'],
  ['Merino Wool Sweater', 'Fine-knit merino crew neck, warm without the bulk.', '89.00', 35, 'clothing'],
  ['Waterproof Rain Jacket', 'Packable shell with taped seams and an adjustable hood.', '129.00', 25, 'clothing'],
  ['Denim Jacket', 'Rigid denim trucker jacket that breaks in beautifully.', '79.50', 18, 'clothing'],
  ['Running Shoes', 'Lightweight trainers with a responsive foam midsole.', '109.99', 40, 'shoes'],
  ['Leather Chelsea Boots', 'Full-grain leather boots with elastic side panels.', '159.00', 12, 'shoes'],
  ['Canvas Sneakers', 'Low-top canvas sneakers with a vulcanised sole.', '54.00', 75, 'shoes'],
  ['Wool Beanie', 'Ribbed wool-blend beanie in five colours.', '15.00', 200, 'accessories'],
  ['Leather Belt', 'Vegetable-tanned leather belt with a brass buckle.', '35.00', 50, 'accessories'],
  ['Stainless Steel Water Bottle', 'Double-walled, keeps drinks cold for 24 hours.', '24.95', 150, 'kitchen'],
  ['Ceramic Pour-Over Coffee Dripper', 'Hand-glazed dripper for size 02 filters.', '29.00', 45, 'coffee-tea'],
  ['Burr Coffee Grinder', 'Conical steel burrs with 30 grind settings.', '89.99', 20, 'coffee-tea'],
  ['French Press 1L', 'Borosilicate glass press with a steel frame.', '32.50', 38, 'coffee-tea'],
  ['Cast Iron Skillet 26 cm', 'Pre-seasoned skillet that lasts generations.', '44.00', 30, 'cookware'],
  ['Chef Knife 20 cm', 'German steel chef knife with a full tang.', '69.00', 22, 'cookware'],
  ['Bamboo Cutting Board', 'Large end-grain bamboo board with juice groove.', '27.99', 64, 'cookware'],
  ['Nonstick Saucepan 2L', 'PFOA-free coating, induction ready.', '39.90', 33, 'cookware'],
  ['Glass Food Containers (Set of 5)', 'Oven-safe glass with snap-lock lids.', '34.99', 80, 'kitchen'],
  ['Electric Kettle', '1.7 L kettle with temperature presets for tea.', '59.00', 27, 'coffee-tea'],
  ['Linen Duvet Cover', 'Stonewashed European linen, double size.', '119.00', 15, 'bed-bath'],
  ['Memory Foam Pillow', 'Contoured pillow with a washable cover.', '45.00', 52, 'bed-bath'],
  ['Cotton Bath Towel Set', 'Two bath towels and two hand towels, 600 g/m².', '49.00', 44, 'bed-bath'],
  ['Scented Soy Candle', 'Cedar and bergamot, 40-hour burn time.', '18.50', 90, 'home'],
  ['Desk Lamp LED', 'Dimmable lamp with adjustable colour temperature.', '39.99', 36, 'home'],
  ['Wireless Mouse', 'Silent-click mouse with a 12-month battery.', '25.99', 110, 'computer-accessories'],
  ['Mechanical Keyboard', 'Hot-swappable switches and PBT keycaps.', '119.99', 19, 'computer-accessories'],
  ['USB-C Charger 65W', 'GaN charger for laptops, tablets and phones.', '45.00', 70, 'computer-accessories'],
  ['Noise Cancelling Headphones', 'Over-ear headphones with 30-hour battery life.', '249.00', 14, 'audio'],
  ['Bluetooth Speaker', 'Waterproof speaker with rich bass.', '79.00', 41, 'audio'],
  ['Laptop Stand', 'Aluminium stand that lifts the screen to eye level.', '39.00', 58, 'computer-accessories'],
  ['USB-C Hub 7-in-1', 'HDMI, SD card, USB-A and 100 W pass-through charging.', '49.99', 47, 'computer-accessories'],
  ['Portable SSD 1TB', 'Pocket-sized drive with 1,000 MB/s transfers.', '99.00', 29, 'computer-accessories'],
  ['Smartwatch', 'Fitness tracking, heart-rate and sleep monitoring.', '199.00', 17, 'electronics'],
  ['E-Reader', 'Glare-free 6-inch display, weeks of battery.', '129.99', 23, 'electronics'],
  ['Yoga Mat', 'Non-slip 6 mm mat with a carrying strap.', '32.00', 66, 'fitness'],
  ['Adjustable Dumbbells', 'Pair of dumbbells from 2 to 24 kg.', '299.00', 8, 'fitness'],
  ['Resistance Bands Set', 'Five bands of graded resistance with handles.', '22.99', 95, 'fitness'],
  ['Foam Roller', 'High-density roller for recovery.', '19.00', 54, 'fitness'],
  ['Trail Running Backpack', '12 L vest pack with two soft flasks.', '89.00', 21, 'outdoors'],
  ['Camping Tent 2-Person', 'Freestanding tent, 2.1 kg, sets up in minutes.', '179.00', 11, 'outdoors'],
  ['Sleeping Bag', 'Three-season bag rated to -5 °C.', '99.99', 16, 'outdoors'],
  ['Headlamp', 'Rechargeable 400-lumen headlamp.', '29.99', 73, 'outdoors'],
  ['Hardcover Notebook A5', 'Dotted pages of 100 g/m² paper, lay-flat binding.', '14.99', 180, 'stationery'],
  ['Fountain Pen', 'Steel nib fountain pen with converter.', '39.00', 34, 'stationery'],
  ['Desk Organizer', 'Walnut organizer for pens, cards and phone.', '34.00', 28, 'stationery'],
  ['Jigsaw Puzzle 1000 Pieces', 'Illustrated map of the world.', '21.00', 48, 'toys-games'],
  ['Board Game: Settlers', 'A classic strategy game for 3-4 players.', '44.99', 26, 'toys-games'],
  ['Watercolor Paint Set', '24 artist-grade half pans with a brush.', '27.50', 37, 'stationery'],
  ['Potted Succulent Trio', 'Three easy-care succulents in ceramic pots.', '24.00', 42, 'garden'],
  ['Indoor Herb Garden Kit', 'Basil, parsley and chives with a self-watering planter.', '36.00', 31, 'garden'],
  ['Wooden Toy Train Set', 'Beech wood track and trains for ages 3+.', '59.99', 19, 'toys-games'],
  ['Organic Green Tea (100 g)', 'Loose-leaf sencha from Shizuoka.', '12.50', 140, 'food'],
  ['Dark Chocolate Bar 85%', 'Single-origin cacao, 100 g.', '4.99', 300, 'food'],
  ['Sunglasses Polarized', 'Acetate frames with UV400 polarized lenses.', '69.00', 0, 'accessories'],
  ['Travel Duffel Bag', 'Water-resistant 40 L duffel with shoe pocket.', '74.00', 0, 'accessories'],
];

export const demoCatalog: DemoProduct[] = rows.map(([name, description, price, stock, category]) => ({ name, description, price, stock, category }));
