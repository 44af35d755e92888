// Frontend-style code over the generated Angular client (clients/angular, from
// `npm run client:angular`), type-checked by tests/e2e/angular-client.test.ts
// with angular-client.tsconfig.json. It reads what the Angular frontend reads,
// with the types the frontend relies on written out, so a renamed field, a
// changed type or a removed operation in our OpenAPI document fails the check.
import { Injectable, inject } from '@angular/core';
import { type HttpInterceptorFn } from '@angular/common/http';
import { type Observable, map, switchMap } from 'rxjs';
import type { Address, AddressUpdateRequest, CartLine, CheckoutRequest, Order, Product, ShippingAddress, ShippingAddressInput } from '../../clients/angular/models';
import { AuthService, CartService, OrdersService, ProductsService, UsersService } from '../../clients/angular/services';

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
