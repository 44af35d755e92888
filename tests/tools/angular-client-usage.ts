// Frontend-style code over the generated Angular client (clients/angular, from
// `npm run client:angular`), type-checked by tests/e2e/angular-client.test.ts
// with angular-client.tsconfig.json. It reads what the Angular frontend reads,
// with the types the frontend relies on written out, so a renamed field, a
// changed type or a removed operation in our OpenAPI document fails the check.
import { Injectable, inject } from '@angular/core';
import { type HttpInterceptorFn } from '@angular/common/http';
import { type Observable, forkJoin, map, switchMap } from 'rxjs';
import type { ProductsList$Params } from '../../clients/angular/functions';
import type {
  Address,
  AddressUpdateRequest,
  CartLine,
  Category,
  CategoryList,
  CheckoutRequest,
  Order,
  PaginatedProducts,
  Product,
  ShippingAddress,
  ShippingAddressInput,
} from '../../clients/angular/models';
import { AuthService, CartService, CategoriesService, OrdersService, ProductsService, UsersService } from '../../clients/angular/services';

export interface ProductCard {
  id: number;
  name: string;
  /** Money stays the API's decimal string ("19.99"); it is never a float. */
  price: string;
  image: string | null;
  inStock: boolean;
}

export interface ProductPage {
  count: number;
  hasNext: boolean;
  hasPrevious: boolean;
  products: ProductCard[];
}

/** A page of the product list that knows where its `next` and `previous` links lead. */
export interface ProductListPage {
  count: number;
  products: ProductCard[];
  /** The list's params for the `next` link (a page number, or past the numbered pages a cursor); null on the last page. */
  next: ProductsList$Params | null;
  previous: ProductsList$Params | null;
}

/** The category menu: GET /api/categories/ is a flat list, the tree is in each one's parent_id. */
export interface CategoryNode {
  id: number;
  name: string;
  /** What ?category= takes, and the menu's URL: /c/kitchen. */
  slug: string;
  children: CategoryNode[];
}

export interface ProductDetail extends ProductCard {
  description: string;
  categoryId: number | null;
  /** "Kitchen / Kettles", or null for a product in no category. */
  category: string | null;
}

export interface CartBadge {
  items: number;
  total: string;
}

export interface OrderRow {
  id: number;
  status: string;
  total: string;
  placedAt: string;
  /** "Köln, DE", or null for an order placed without an address. */
  shipsTo: string | null;
  lines: { productId: number | null; name: string; unitPrice: string; quantity: number; subtotal: string }[];
}

// Every status the order list can show: a status added, renamed or dropped in
// the API fails here, as it would in the frontend's exhaustive label map.
const STATUS_LABELS: Record<Order['status'], string> = {
  pending: 'Awaiting payment',
  paid: 'Paid',
  shipped: 'Shipped',
  delivered: 'Delivered',
  cancelled: 'Cancelled',
};

export function formatPrice(price: string): string {
  return `$${price}`;
}

export function toProductCard(product: Product): ProductCard {
  const price: string = product.price;
  const stock: number = product.stock;
  return { id: product.id, name: product.name, price, image: product.image, inStock: stock > 0 };
}

/** The menu's tree, kept in the API's order (by name): a category whose parent is not in the list stays at the top. */
export function categoryTree(categories: CategoryList): CategoryNode[] {
  const nodes = new Map<number, CategoryNode>();
  for (const category of categories) nodes.set(category.id, { id: category.id, name: category.name, slug: category.slug, children: [] });
  const roots: CategoryNode[] = [];
  for (const category of categories) {
    const node = nodes.get(category.id)!;
    const parentId: number | null = category.parent_id;
    const parent = parentId === null ? undefined : nodes.get(parentId);
    (parent ? parent.children : roots).push(node);
  }
  return roots;
}

/** The breadcrumb of a product's category, from the top: "Kitchen / Kettles"; null for none. */
export function categoryTrail(categoryId: number | null, categories: CategoryList): string | null {
  const byId = new Map<number, Category>(categories.map((category) => [category.id, category]));
  const names: string[] = [];
  let current = categoryId === null ? undefined : byId.get(categoryId);
  // The API refuses cycles; the bound only keeps a bad list from hanging the page.
  while (current && names.length < categories.length) {
    names.unshift(current.name);
    current = current.parent_id === null ? undefined : byId.get(current.parent_id);
  }
  return names.length ? names.join(' / ') : null;
}

export function toProductDetail(product: Product, categories: CategoryList): ProductDetail {
  const categoryId: number | null = product.category_id;
  return { ...toProductCard(product), description: product.description, categoryId, category: categoryTrail(categoryId, categories) };
}

/**
 * Where a `next` or `previous` link leads, as the list's params: the filters
 * the page was asked with, and the link's page number or, past the numbered
 * pages, its cursor (opaque: taken from the link, never made up).
 */
export function linkParams(link: string, asked: ProductsList$Params): ProductsList$Params {
  const query = new URL(link).searchParams;
  const cursor = query.get('cursor');
  if (cursor !== null) return { ...asked, page: undefined, cursor };
  return { ...asked, cursor: undefined, page: Number(query.get('page') ?? '1') };
}

export function toProductListPage(body: PaginatedProducts, asked: ProductsList$Params): ProductListPage {
  const next: string | null = body.next;
  const previous: string | null = body.previous;
  return {
    count: body.count,
    products: body.results.map(toProductCard),
    next: next === null ? null : linkParams(next, asked),
    previous: previous === null ? null : linkParams(previous, asked),
  };
}

/** The lines of a parcel label; line2 and region are "" when none was given, and left out. */
export function labelLines(address: ShippingAddress): string[] {
  const lines: string[] = [address.full_name, address.line1, address.line2, `${address.postal_code} ${address.city}`, address.region, address.country];
  return lines.filter((line) => line !== '');
}

export interface AddressCard {
  id: number;
  label: string[];
  phone: string;
  addedAt: string;
}

export function toAddressCard(address: Address): AddressCard {
  const created: string = address.created_at;
  return { id: address.id, label: labelLines(address), phone: address.phone, addedAt: new Date(created).toLocaleDateString() };
}

export function toOrderRow(order: Order): OrderRow {
  const shipping: ShippingAddress | null = order.shipping_address;
  return {
    id: order.id,
    status: STATUS_LABELS[order.status],
    total: order.total,
    placedAt: new Date(order.created_at).toLocaleDateString(),
    shipsTo: shipping ? `${shipping.city}, ${shipping.country}` : null,
    lines: order.items.map((item) => ({
      productId: item.product_id,
      name: item.product_name,
      unitPrice: item.unit_price,
      quantity: item.quantity,
      subtotal: item.subtotal,
    })),
  };
}

let accessToken: string | null = null;

/** Sends the access token as the DRF frontend did: `Authorization: Bearer <access>`. */
export const authInterceptor: HttpInterceptorFn = (req, next) =>
  next(accessToken ? req.clone({ setHeaders: { Authorization: `Bearer ${accessToken}` } }) : req);

@Injectable({ providedIn: 'root' })
export class ShopStore {
  private readonly auth = inject(AuthService);
  private readonly productsApi = inject(ProductsService);
  private readonly cartApi = inject(CartService);
  private readonly ordersApi = inject(OrdersService);
  private readonly usersApi = inject(UsersService);
  private readonly categoriesApi = inject(CategoriesService);

  /** token_create: `{access, refresh}`; the frontend keeps `access` for its interceptor. */
  logIn(username: string, password: string): Observable<string> {
    return this.auth.tokenCreate({ body: { username, password } }).pipe(
      map((tokens) => {
        const access: string = tokens.access;
        const refresh: string = tokens.refresh;
        localStorage.setItem('refresh', refresh);
        accessToken = access;
        return access;
      }),
    );
  }

  /** products_list with the search box and the pager. */
  searchProducts(search: string, page: number): Observable<ProductPage> {
    return this.productsApi.productsList({ search, page, page_size: 20, ordering: '-created_at' }).pipe(
      map((body) => ({
        count: body.count,
        hasNext: body.next !== null,
        hasPrevious: body.previous !== null,
        products: body.results.map(toProductCard),
      })),
    );
  }

  /** products_retrieve: the detail page shows the price as the API sends it. */
  productPrice(id: number): Observable<string> {
    return this.productsApi.productsRetrieve({ id }).pipe(map((product) => formatPrice(product.price)));
  }

  /** categories_list: the category menu. */
  categoryMenu(): Observable<CategoryNode[]> {
    return this.categoriesApi.categoriesList().pipe(map(categoryTree));
  }

  /** products_retrieve with categories_list: the detail page shows the product's category as a breadcrumb. */
  productDetail(id: number): Observable<ProductDetail> {
    return forkJoin({ product: this.productsApi.productsRetrieve({ id }), categories: this.categoriesApi.categoriesList() }).pipe(
      map(({ product, categories }) => toProductDetail(product, categories)),
    );
  }

  /** products_list with any filters, its links resolved for the pager. */
  browse(params: ProductsList$Params): Observable<ProductListPage> {
    return this.productsApi.productsList(params).pipe(map((body) => toProductListPage(body, params)));
  }

  /** A category's page (/c/<slug>): its products and those of every category under it, in stock first. */
  productsIn(category: CategoryNode | Category, search?: string): Observable<ProductListPage> {
    return this.browse({ category: category.slug, search, in_stock: 'true', ordering: 'name', page_size: 24 });
  }

  /** "Load more": the page the `next` link points at, however deep (page numbers stop at 10,000 products, cursors go on). */
  loadMore(page: ProductListPage): Observable<ProductListPage> | null {
    return page.next ? this.browse(page.next) : null;
  }

  /** cart_create, then cart_summary_retrieve for the header badge. */
  addToCart(productId: number, quantity: number): Observable<{ message: string; badge: CartBadge }> {
    return this.cartApi.cartCreate({ body: { product_id: productId, quantity } }).pipe(
      switchMap((line: CartLine) => {
        const message = `${line.quantity} x ${formatPrice(line.product.price)} = ${formatPrice(line.subtotal)}`;
        return this.cartBadge().pipe(map((badge) => ({ message, badge })));
      }),
    );
  }

  cartBadge(): Observable<CartBadge> {
    return this.cartApi
      .cartSummaryRetrieve()
      .pipe(map((summary) => ({ items: summary.total_items, total: summary.total_cost })));
  }

  /** cart_list: the cart page's rows. */
  cartLines(): Observable<{ lineId: number; productId: number; name: string; quantity: number; subtotal: string }[]> {
    return this.cartApi.cartList().pipe(
      map((lines) =>
        lines.map((line) => ({
          lineId: line.id,
          productId: line.product.id,
          name: line.product.name,
          quantity: line.quantity,
          subtotal: line.subtotal,
        })),
      ),
    );
  }

  /** orders_checkout_create, with the retry key the frontend sends, and (as until now) no body. */
  checkout(idempotencyKey: string): Observable<OrderRow> {
    return this.ordersApi.ordersCheckoutCreate({ 'idempotency-key': idempotencyKey }).pipe(map(toOrderRow));
  }

  /** orders_checkout_create to an address book entry, or to an address typed in at checkout. */
  checkoutTo(idempotencyKey: string, shipTo: { addressId: number } | { address: ShippingAddressInput }): Observable<OrderRow> {
    const body: CheckoutRequest = 'addressId' in shipTo ? { address_id: shipTo.addressId } : { shipping_address: shipTo.address };
    return this.ordersApi.ordersCheckoutCreate({ 'idempotency-key': idempotencyKey, body }).pipe(map(toOrderRow));
  }

  /** orders_create with the address typed in: line2, region and phone may be left out. */
  orderTo(productId: number, quantity: number, address: ShippingAddressInput): Observable<OrderRow> {
    return this.ordersApi.ordersCreate({ body: { items: [{ product_id: productId, quantity }], shipping_address: address } }).pipe(map(toOrderRow));
  }

  /** users_me_addresses_list: the address book page (a plain list, not a page). */
  addressBook(): Observable<AddressCard[]> {
    return this.usersApi.usersMeAddressesList().pipe(map((addresses) => addresses.map(toAddressCard)));
  }

  /** users_me_addresses_retrieve: the address form, filled in. */
  address(id: number): Observable<Address> {
    return this.usersApi.usersMeAddressesRetrieve({ id });
  }

  /** users_me_addresses_create: the new entry's card. */
  addAddress(address: ShippingAddressInput): Observable<AddressCard> {
    return this.usersApi.usersMeAddressesCreate({ body: address }).pipe(map(toAddressCard));
  }

  /** users_me_addresses_partial_update: only the fields the form changed. */
  changeAddress(id: number, changes: AddressUpdateRequest): Observable<AddressCard> {
    return this.usersApi.usersMeAddressesPartialUpdate({ id, body: changes }).pipe(map(toAddressCard));
  }

  /** users_me_addresses_destroy: orders placed with the entry keep their copy. */
  removeAddress(id: number): Observable<void> {
    return this.usersApi.usersMeAddressesDestroy({ id });
  }

  /** orders_my_orders_list: the "My orders" page. */
  myOrders(page = 1): Observable<{ count: number; orders: OrderRow[] }> {
    return this.ordersApi
      .ordersMyOrdersList({ page })
      .pipe(map((body) => ({ count: body.count, orders: body.results.map(toOrderRow) })));
  }
}
