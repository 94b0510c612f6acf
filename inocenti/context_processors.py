from inocenti.navigation import nav_items


def navigation(request) -> dict:
    return {"nav_items": nav_items(request)}
